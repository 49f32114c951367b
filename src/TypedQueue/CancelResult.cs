namespace TypedQueue;

/// <summary>What a cancellation did.</summary>
public enum CancelResult
{
    /// <summary>There is no such task.</summary>
    NotFound,

    /// <summary>The task had not started; it is cancelled and will never run.</summary>
    Cancelled,

    /// <summary>The task is running; its worker has been asked to fire the handler's cancellation token.</summary>
    CancellationRequested,

    /// <summary>The task had already finished; nothing changed.</summary>
    AlreadyFinished,
}
