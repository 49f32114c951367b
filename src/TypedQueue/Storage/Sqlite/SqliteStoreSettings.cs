using Microsoft.Data.Sqlite;

namespace TypedQueue.Storage.Sqlite;

/// <summary>The resolved connection string and durability level of a SQLite store.</summary>
internal sealed record SqliteStoreSettings(string ConnectionString, string DataSource, string Synchronous)
{
    /// <summary>Extra PRAGMA statements run on every connection; tests use it to simulate a full disk (max_page_count).</summary>
    public string ExtraPragmas { get; init; } = "";

    /// <summary>The size a WAL file is truncated to when it starts over (<c>PRAGMA journal_size_limit</c>); tests make it small to see the restarts.</summary>
    public long WalSizeLimitBytes { get; init; } = 64L * 1024 * 1024;

    public static SqliteStoreSettings From(TypedQueueOptions options)
    {
        var builder = string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new SqliteConnectionStringBuilder { DataSource = options.DatabasePath }
            : new SqliteConnectionStringBuilder(options.ConnectionString);
        builder.Pooling = true;
        if (builder.Mode == SqliteOpenMode.ReadWriteCreate && builder.DataSource is { Length: > 0 } path && path != ":memory:" && !path.StartsWith("file:", StringComparison.Ordinal))
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null && !Directory.Exists(folder))
            {
                throw new TaskStoreException($"The folder of the TypedQueue database '{path}' does not exist ('{folder}'). Create it, or point TypedQueue:DatabasePath elsewhere.");
            }
        }

        var synchronous = options.Durability == TaskDurability.Full ? "FULL" : "NORMAL";
        return new SqliteStoreSettings(builder.ToString(), builder.DataSource, synchronous);
    }
}
