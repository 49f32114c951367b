namespace TypedQueue.Dispatch;

/// <summary>A stored payload could not be read as its task's payload type. The task is dead-lettered, not retried.</summary>
public sealed class TaskPayloadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskPayloadException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
