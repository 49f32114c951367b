namespace TypedQueue.Cli;

/// <summary>The process exit codes of <c>typedqueue</c>; scripts can rely on them.</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command line could not be parsed (unknown command or option, bad value).</summary>
    public const int Usage = 1;

    /// <summary>The command exists but needs runtime support that TypedQueue does not have yet (no command returns it today).</summary>
    public const int NotSupported = 2;

    /// <summary>The database cannot be used: missing, not SQLite, not a TypedQueue database, or a store fault.</summary>
    public const int DatabaseError = 3;

    /// <summary>There is no task with the given id.</summary>
    public const int TaskNotFound = 4;

    /// <summary>The task is in a state that does not allow the change (retry of a running task, cancel of a finished one).</summary>
    public const int InvalidState = 5;

    /// <summary>A file the command writes could not be written (say, a backup target that exists).</summary>
    public const int OutputError = 6;

    /// <summary>The dashboard could not listen on the given address (in use, or not available on this machine).</summary>
    public const int ServerError = 7;
}
