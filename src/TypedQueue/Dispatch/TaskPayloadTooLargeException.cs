namespace TypedQueue.Dispatch;

/// <summary>A payload is larger than <see cref="TypedQueueOptions.MaxPayloadBytes"/>; nothing was stored.</summary>
public sealed class TaskPayloadTooLargeException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public TaskPayloadTooLargeException(string message) : base(message, "payload")
    {
    }
}
