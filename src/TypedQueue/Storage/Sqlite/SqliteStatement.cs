using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TypedQueue.Storage.Sqlite;

/// <summary>
/// A statement compiled once and run straight through SQLitePCL, for the store's per-row hot paths. A prepared
/// <see cref="SqliteCommand"/> still looks every parameter up by name (a UTF-8 copy of each name) and builds a data
/// reader on every execution, which costs more than inserting the row itself; reading a claim's 12 returned columns
/// through that reader cost a third of the claim statement's time. Parameters bind by position (1-based,
/// in the order they appear in the SQL); a failed step is reported as the <see cref="SqliteException"/> that
/// Microsoft.Data.Sqlite would have thrown, so the store's error handling stays the same.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    private SqliteStatement(sqlite3 db, sqlite3_stmt statement)
    {
        _db = db;
        _statement = statement;
    }

    /// <summary>
    /// Compiles one statement on the connection; it must be disposed before the connection is. <paramref name="parameters"/>
    /// names the SQL's parameters in binding order (checked here, so a reordered SQL text fails at once, not with
    /// swapped values); <paramref name="reused"/> tells SQLite the statement is kept rather than run once.
    /// </summary>
    public static SqliteStatement Prepare(SqliteConnection connection, string sql, bool reused = true, params string[] parameters)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v3(db, sql, reused ? raw.SQLITE_PREPARE_PERSISTENT : 0u, out var statement, out var tail);
        if (rc != raw.SQLITE_OK)
        {
            statement?.Dispose();
            throw Error(db, rc);
        }

        if (!string.IsNullOrWhiteSpace(tail))
        {
            statement.Dispose();
            throw new ArgumentException("A SqliteStatement holds one SQL statement.", nameof(sql));
        }

        if (parameters.Length > 0)
        {
            var count = raw.sqlite3_bind_parameter_count(statement);
            for (var i = 0; i < Math.Max(count, parameters.Length); i++)
            {
                var name = i < count ? raw.sqlite3_bind_parameter_name(statement, i + 1).utf8_to_string() : null;
                if (i >= parameters.Length || name != parameters[i])
                {
                    statement.Dispose();
                    throw new ArgumentException($"Parameter {i + 1} of the statement is '{name}', not '{(i < parameters.Length ? parameters[i] : null)}'.", nameof(parameters));
                }
            }
        }

        return new SqliteStatement(db, statement);
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, long? value) =>
        Check(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    /// <summary>Binds text (SQLite converts it to the database's encoding while copying it), or NULL.</summary>
    public void Bind(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));

    /// <summary>Runs a statement that returns no rows; returns the number of rows it changed.</summary>
    public int Execute()
    {
        try
        {
            while (Step())
            {
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>Runs a statement that returns no rows and returns SQLite's result code instead of throwing (SQLITE_OK when it ran).</summary>
    public int TryExecute()
    {
        int rc;
        while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
        {
        }

        Reset();
        return rc == raw.SQLITE_DONE ? raw.SQLITE_OK : rc;
    }

    /// <summary>Runs a statement for the integer in the first column of its first row (null when there is none, or NULL).</summary>
    public long? ExecuteScalarInt64()
    {
        try
        {
            return Step() ? NullableInt64(0) : null;
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>
    /// Steps to the next row of a statement that returns rows; at the end (false) the statement is reset and its
    /// bindings cleared. A caller that stops reading before the end calls <see cref="Reset"/>.
    /// </summary>
    public bool Read()
    {
        if (Step())
        {
            return true;
        }

        Reset();
        return false;
    }

    /// <summary>The current row's integer in <paramref name="column"/> (0-based); NULL reads as 0.</summary>
    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    /// <inheritdoc cref="Int64"/>
    public int Int32(int column) => raw.sqlite3_column_int(_statement, column);

    /// <summary>The current row's text in <paramref name="column"/> (0-based); NULL reads as an empty string.</summary>
    public string Text(int column) => raw.sqlite3_column_text(_statement, column).utf8_to_string() ?? "";

    /// <summary>The current row's text in <paramref name="column"/>, or null for NULL.</summary>
    public string? NullableText(int column) =>
        raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL ? null : Text(column);

    /// <summary>Text that repeats from row to row (a task's name, its queue): the string <paramref name="seen"/> made before when the bytes match.</summary>
    public string Text(int column, RepeatedText seen)
    {
        // column_text first turns the value into UTF-8 in place (a file may store UTF-16); column_blob then hands over those bytes as they are.
        _ = raw.sqlite3_column_text(_statement, column);
        return seen.Get(raw.sqlite3_column_blob(_statement, column));
    }

    private bool Step()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }

        var error = Error(_db, rc);
        raw.sqlite3_reset(_statement);
        throw error;
    }

    /// <summary>Makes the statement ready to run again: a statement left mid-way would keep its transaction from committing.</summary>
    public void Reset()
    {
        raw.sqlite3_reset(_statement);
        raw.sqlite3_clear_bindings(_statement);
    }

    private long? NullableInt64(int column) =>
        raw.sqlite3_column_type(_statement, column) == raw.SQLITE_NULL ? null : raw.sqlite3_column_int64(_statement, column);

    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw Error(_db, rc);
        }
    }

    private static SqliteException Error(sqlite3 db, int rc) =>
        new(raw.sqlite3_errmsg(db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(db));
}

/// <summary>
/// The last few distinct values of a text column whose values repeat (task names, queue names), kept with their UTF-8
/// bytes, so a row gives back the string already made instead of decoding a new one. Not thread-safe: the writer's
/// claim statements share one per column, used only under the store's write lock.
/// </summary>
internal sealed class RepeatedText
{
    private const int Capacity = 16;
    private readonly byte[][] _utf8 = new byte[Capacity][];
    private readonly string[] _text = new string[Capacity];
    private int _count;
    private int _next;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        for (var i = 0; i < _count; i++)
        {
            if (utf8.SequenceEqual(_utf8[i]))
            {
                return _text[i];
            }
        }

        // Past the capacity, the oldest value makes room: a workload of many distinct names decodes as before.
        var text = System.Text.Encoding.UTF8.GetString(utf8);
        _utf8[_next] = utf8.ToArray();
        _text[_next] = text;
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
        return text;
    }
}
