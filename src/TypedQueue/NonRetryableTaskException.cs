namespace TypedQueue;

/// <summary>
/// Thrown by a handler to say that retrying cannot help (bad input, a permanent refusal): the task is dead-lettered at
/// once with this exception as its reason, whatever attempts remain.
/// </summary>
public sealed class NonRetryableTaskException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonRetryableTaskException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
