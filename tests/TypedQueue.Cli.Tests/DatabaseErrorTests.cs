using Microsoft.Data.Sqlite;
using TypedQueue.Cli.Tests.Support;

namespace TypedQueue.Cli.Tests;

/// <summary>Files the CLI must refuse, without creating or changing them.</summary>
public sealed class DatabaseErrorTests : IDisposable
{
    private readonly string _folder = TestDatabase.NewFolder();

    [Theory]
    [InlineData("stats")]
    [InlineData("list")]
    [InlineData("show", "1")]
    [InlineData("retry", "1")]
    [InlineData("cancel", "1")]
    [InlineData("purge", "--older-than", "1d")]
    [InlineData("watch", "--iterations", "1")]
    public async Task A_missing_file_is_an_error_and_is_not_created(params string[] args)
    {
        var path = Path.Combine(_folder, "missing.db");

        var result = await CliRunner.RunAsync([.. args, "--db", path]);

        Assert.Equal(ExitCodes.DatabaseError, result.ExitCode);
        Assert.Contains($"The database file '{path}' does not exist", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public async Task The_default_database_is_typedqueue_db_in_the_working_directory()
    {
        var result = await CliRunner.RunAsync("stats");

        if (File.Exists("typedqueue.db"))
        {
            return; // someone's real database in the test's working directory; nothing to assert without touching it
        }

        Assert.Equal(ExitCodes.DatabaseError, result.ExitCode);
        Assert.Contains("'typedqueue.db' does not exist", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists("typedqueue.db"));
    }

    [Fact]
    public async Task A_file_that_is_not_sqlite_is_refused()
    {
        var path = Path.Combine(_folder, "notes.txt");
        await File.WriteAllTextAsync(path, "these are not the tasks you are looking for");

        var result = await CliRunner.RunAsync("stats", "--db", path);

        Assert.Equal(ExitCodes.DatabaseError, result.ExitCode);
        Assert.Contains("is not a SQLite database", result.Error, StringComparison.Ordinal);
        Assert.Equal("these are not the tasks you are looking for", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task An_empty_file_is_refused()
    {
        var path = Path.Combine(_folder, "empty.db");
        await File.WriteAllBytesAsync(path, []);

        var result = await CliRunner.RunAsync("list", "--db", path);

        Assert.Equal(ExitCodes.DatabaseError, result.ExitCode);
        Assert.Contains("is an empty file, not a TypedQueue database", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public async Task A_sqlite_file_without_the_typedqueue_schema_is_refused_and_left_alone()
    {
        var path = Path.Combine(_folder, "other.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)";
            await create.ExecuteNonQueryAsync();
        }

        var result = await CliRunner.RunAsync("stats", "--db", path);

        Assert.Equal(ExitCodes.DatabaseError, result.ExitCode);
        Assert.Contains("is a SQLite database but not a TypedQueue database", result.Error, StringComparison.Ordinal);
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var tables = connection.CreateCommand();
            tables.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'";
            Assert.Equal("customers", await tables.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task A_database_from_a_newer_typedqueue_is_refused_with_the_runtime_message()
    {
        await using var db = await TestDatabase.CreateEmptyAsync();
        var path = db.Path;
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await connection.OpenAsync();
            await using var bump = connection.CreateCommand();
            bump.CommandText = "PRAGMA user_version = 999";
            await bump.ExecuteNonQueryAsync();
        }

        var result = await CliRunner.RunAsync("stats", "--db", path);

        Assert.Equal(ExitCodes.DatabaseError, result.ExitCode);
        Assert.Contains("newer than this version of TypedQueue understands", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_is_refused()
    {
        var result = await CliRunner.RunAsync("stats", "--db", _folder);

        Assert.Equal(ExitCodes.DatabaseError, result.ExitCode);
        Assert.Contains("is a folder", result.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner gets it.
        }
    }
}
