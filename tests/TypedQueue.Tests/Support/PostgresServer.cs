using Npgsql;

namespace TypedQueue.Tests.Support;

/// <summary>
/// The PostgreSQL server the PostgreSQL tests run against, from <c>TYPEDQUEUE_TEST_POSTGRES</c> (a connection string;
/// <c>.ci/run</c> starts a private server and sets it). Without it the tests skip, except under <c>CI=true</c>, where a
/// missing server is a failure rather than a silent skip.
/// </summary>
public static class PostgresServer
{
    public const string Variable = "TYPEDQUEUE_TEST_POSTGRES";

    /// <summary>The connection string, or a skip (a failure under CI=true) when none is configured.</summary>
    public static string ConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(Variable);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }

            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"CI=true but {Variable} is not set: the PostgreSQL tests must run in CI (.ci/run starts a server).");
            }

            Skip.If(true, $"{Variable} is not set: PostgreSQL tests skipped (see README, PostgreSQL).");
            return "";
        }
    }

    /// <summary>A fresh schema name for one test; <see cref="DropSchemaAsync"/> removes it.</summary>
    public static string NewSchema() => "tq_test_" + Guid.NewGuid().ToString("N")[..20];

    public static async Task DropSchemaAsync(string schema)
    {
        var connectionString = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
