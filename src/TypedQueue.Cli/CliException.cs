namespace TypedQueue.Cli;

/// <summary>A failure the CLI reports as one message on standard error with a specific exit code.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
