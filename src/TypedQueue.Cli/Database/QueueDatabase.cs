using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TypedQueue.Inspection;

namespace TypedQueue.Cli.Database;

/// <summary>
/// One TypedQueue database file opened for the CLI: checked before the runtime touches it (the runtime would create a
/// missing file and add its schema to a foreign one), then used through the public <see cref="ITaskQueue"/>.
/// </summary>
internal sealed class QueueDatabase : IAsyncDisposable
{
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    // The columns the CLI's own read-only queries use (the documented tq_tasks schema).
    private static readonly string[] RequiredColumns = ["id", "name", "queue", "state", "finished_at"];

    private readonly ServiceProvider _services;

    private QueueDatabase(string displayPath, string fullPath, ServiceProvider services)
    {
        DisplayPath = displayPath;
        FullPath = fullPath;
        _services = services;
        Queue = services.GetRequiredService<ITaskQueue>();
    }

    /// <summary>The path as the user gave it, for messages.</summary>
    public string DisplayPath { get; }

    /// <summary>The absolute path of the file.</summary>
    public string FullPath { get; }

    /// <summary>The runtime's queue over this file (no worker).</summary>
    public ITaskQueue Queue { get; }

    /// <summary>Checks that <paramref name="path"/> is an existing TypedQueue database and opens it without a worker.</summary>
    public static async Task<QueueDatabase> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = CheckFile(path);
        await CheckSchemaAsync(path, fullPath, cancellationToken).ConfigureAwait(false);
        var services = new ServiceCollection()
            .AddTypedQueue(o =>
            {
                o.DatabasePath = fullPath;
                o.RunWorker = false;
            })
            .BuildServiceProvider();
        return new QueueDatabase(path, fullPath, services);
    }

    /// <summary>A read-only connection string to the file: the CLI's own queries never write and never create it.</summary>
    public static string ReadOnlyConnectionString(string fullPath) =>
        new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private static string CheckFile(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliException(ExitCodes.DatabaseError, "No database file given: pass --db <path>.");
        }

        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            throw new CliException(ExitCodes.DatabaseError, $"'{path}' is a folder, not a TypedQueue database file.");
        }

        if (!File.Exists(fullPath))
        {
            throw new CliException(ExitCodes.DatabaseError, $"The database file '{path}' does not exist. Pass the file with --db <path> (the default is typedqueue.db in the current folder).");
        }

        var header = new byte[SqliteHeader.Length];
        int read;
        try
        {
            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.DatabaseError, $"The database file '{path}' cannot be read: {ex.Message}");
        }

        if (read == 0)
        {
            throw new CliException(ExitCodes.DatabaseError, $"'{path}' is an empty file, not a TypedQueue database.");
        }

        if (read < header.Length || !header.AsSpan().SequenceEqual(SqliteHeader))
        {
            throw new CliException(ExitCodes.DatabaseError, $"'{path}' is not a SQLite database (it does not start with the SQLite file header), so it is not a TypedQueue database.");
        }

        return fullPath;
    }

    private static async Task CheckSchemaAsync(string path, string fullPath, CancellationToken cancellationToken)
    {
        HashSet<string> columns = new(StringComparer.OrdinalIgnoreCase);
        try
        {
            await using var connection = new SqliteConnection(ReadOnlyConnectionString(fullPath));
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM pragma_table_info('tq_tasks')";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add(reader.GetString(0));
            }
        }
        catch (SqliteException ex)
        {
            throw new CliException(ExitCodes.DatabaseError, $"'{path}' is not a readable SQLite database: {ex.Message}");
        }

        if (columns.Count == 0)
        {
            throw new CliException(ExitCodes.DatabaseError, $"'{path}' is a SQLite database but not a TypedQueue database (it has no tq_tasks table).");
        }

        var missing = RequiredColumns.Where(c => !columns.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new CliException(ExitCodes.DatabaseError, $"'{path}' is not a TypedQueue database this CLI understands: its tq_tasks table lacks {string.Join(", ", missing)}.");
        }
    }
}
