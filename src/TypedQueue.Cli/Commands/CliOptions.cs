using System.CommandLine;

namespace TypedQueue.Cli.Commands;

/// <summary>Options every command accepts, before or after the command name.</summary>
internal sealed class CliOptions
{
    public Option<string> Database { get; } = new("--db")
    {
        Description = "The TypedQueue SQLite file. It must exist: the CLI never creates a database.",
        HelpName = "path",
        Recursive = true,
        DefaultValueFactory = _ => "typedqueue.db",
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write JSON (one document; one line per refresh for watch) instead of text, for scripts.",
        Recursive = true,
    };
}
