using System.CommandLine;
using Microsoft.Data.Sqlite;
using TypedQueue.Cli.Database;
using TypedQueue.Storage;

namespace TypedQueue.Cli.Commands;

/// <summary>What a command runs with: the parsed line, the opened database, the writers, and whether JSON was asked for.</summary>
internal sealed record CommandContext(ParseResult Parse, QueueDatabase Database, TextWriter Output, TextWriter Error, bool Json, CancellationToken CancellationToken)
{
    public ITaskQueue Queue => Database.Queue;
}

/// <summary>Runs a command against the database named by <c>--db</c> and turns every expected failure into a message and an exit code.</summary>
internal static class DatabaseCommandAction
{
    public static void SetDatabaseAction(this Command command, CliOptions options, Func<CommandContext, Task<int>> run) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            try
            {
                await using var database = await QueueDatabase.OpenAsync(parse.GetValue(options.Database)!, cancellationToken).ConfigureAwait(false);
                var context = new CommandContext(parse, database, parse.InvocationConfiguration.Output, error, parse.GetValue(options.Json), cancellationToken);
                return await run(context).ConfigureAwait(false);
            }
            catch (CliException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return ex.ExitCode;
            }
            catch (TaskStoreException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.DatabaseError;
            }
            catch (SqliteException ex)
            {
                await error.WriteLineAsync($"error: the database cannot be read: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.DatabaseError;
            }
        });
}
