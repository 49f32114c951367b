namespace TypedQueue.Storage;

/// <summary>The task store cannot be used: a missing folder, a read-only or foreign file, a newer schema, a full disk.</summary>
public sealed class TaskStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TaskStoreException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
