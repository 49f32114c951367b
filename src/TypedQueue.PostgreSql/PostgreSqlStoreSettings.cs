using Npgsql;
using TypedQueue.Storage;

namespace TypedQueue.PostgreSql;

/// <summary>Where a PostgreSQL store lives: the connection string and the schema that holds its tables.</summary>
internal sealed record PostgreSqlStoreSettings(string ConnectionString, string Schema)
{
    /// <summary>The schema used when none is configured.</summary>
    public const string DefaultSchema = "typedqueue";

    /// <summary>The schema as it appears in SQL.</summary>
    public string QuotedSchema => $"\"{Schema}\"";

    /// <summary>The LISTEN/NOTIFY channel: one per schema, so stores in other schemas of the same database stay quiet.</summary>
    public string Channel => $"typedqueue_{Schema}";

    /// <summary>Host, port and database, for messages (never the password).</summary>
    public string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}, schema {Schema}";
    }

    /// <summary>Checks the connection string and schema name; a bad one is a <see cref="TaskStoreException"/> at start-up.</summary>
    public static PostgreSqlStoreSettings Create(string? connectionString, string? schema)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new TaskStoreException(
                "TypedQueue is set to use PostgreSQL but no connection string is configured: set TypedQueue:PostgreSql:ConnectionString (or ConnectionStrings:TypedQueue).");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new TaskStoreException($"The TypedQueue PostgreSQL connection string is not valid: {ex.Message}", ex);
        }

        schema = string.IsNullOrWhiteSpace(schema) ? DefaultSchema : schema;
        if (!IsPlainIdentifier(schema))
        {
            throw new TaskStoreException(
                $"The TypedQueue PostgreSQL schema '{schema}' must be 1 to 40 lower-case letters, digits or underscores, starting with a letter or underscore.");
        }

        return new PostgreSqlStoreSettings(connectionString, schema);
    }

    private static bool IsPlainIdentifier(string value) =>
        value.Length is >= 1 and <= 40
        && (char.IsAsciiLetterLower(value[0]) || value[0] == '_')
        && value.All(static c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
