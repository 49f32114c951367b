using System.CommandLine;
using System.CommandLine.Help;
using TypedQueue.Cli.Commands;

namespace TypedQueue.Cli;

/// <summary>The <c>typedqueue</c> command line, callable in-process (tests) as well as from <c>Program</c>.</summary>
public static class TypedQueueCli
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // Ctrl+C cancels the running command's token (watch stops cleanly); only the real console process handles it.
            ProcessTerminationTimeout = ReferenceEquals(output, Console.Out) ? TimeSpan.FromSeconds(2) : null,
        };
        return CreateRootCommand().Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>Builds the command tree.</summary>
    internal static Command CreateRootCommand()
    {
        var options = new CliOptions();
        // A named root rather than RootCommand, whose name is the executable's (TypedQueue.Cli): help shows the tool's command.
        return new Command("typedqueue", "Inspect and steer a TypedQueue SQLite database: statistics, task lists and details, retry, cancel, retention, backup, a live view, pausing queues and a web dashboard.")
        {
            new HelpOption(),
            new VersionOption(),
            options.Database,
            options.Json,
            StatsCommand.Create(options),
            ListCommand.Create(options),
            ShowCommand.Create(options),
            RetryCommand.Create(options),
            CancelCommand.Create(options),
            DeleteCommand.Create(options),
            PurgeCommand.Create(options),
            BackupCommand.Create(options),
            WatchCommand.Create(options),
            DashboardCommand.Create(options),
            QueuePauseCommands.Create(options, pause: true),
            QueuePauseCommands.Create(options, pause: false),
        };
    }
}
