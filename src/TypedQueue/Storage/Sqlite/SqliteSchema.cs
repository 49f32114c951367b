namespace TypedQueue.Storage.Sqlite;

/// <summary>Versioned schema migrations, applied in order; the version lives in <c>PRAGMA user_version</c>.</summary>
internal static class SqliteSchema
{
    /// <summary>Migration i upgrades the schema from version i to version i + 1. Never edit a shipped entry; append.</summary>
    public static readonly string[] Migrations =
    [
        // 1: the tasks table. Times are Unix milliseconds, UTC. Payloads and results are JSON text.
        """
        CREATE TABLE tq_tasks (
            id               INTEGER PRIMARY KEY,
            name             TEXT    NOT NULL,
            queue            TEXT    NOT NULL,
            state            INTEGER NOT NULL,
            priority         INTEGER NOT NULL,
            payload          TEXT    NOT NULL,
            attempts         INTEGER NOT NULL DEFAULT 0,
            max_attempts     INTEGER NOT NULL,
            enqueued_at      INTEGER NOT NULL,
            run_at           INTEGER NOT NULL,
            started_at       INTEGER,
            finished_at      INTEGER,
            worker_id        TEXT,
            lease_expires_at INTEGER,
            result           TEXT,
            error_type       TEXT,
            error_message    TEXT,
            error_stack      TEXT,
            idempotency_key  TEXT
        ) STRICT;
        -- The claim walks this index in order: O(log n) however deep the backlog.
        CREATE INDEX tq_tasks_pending   ON tq_tasks (priority DESC, run_at, id) WHERE state = 1;
        CREATE INDEX tq_tasks_scheduled ON tq_tasks (run_at) WHERE state = 0;
        CREATE INDEX tq_tasks_running   ON tq_tasks (lease_expires_at) WHERE state = 2;
        CREATE INDEX tq_tasks_finished  ON tq_tasks (finished_at) WHERE state >= 3;
        CREATE INDEX tq_tasks_state_id  ON tq_tasks (state, id);
        """,

        // 2: cancellation of running tasks is requested through the row, so a worker in another process sees it.
        """
        ALTER TABLE tq_tasks ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
        """,

        // 3: unique tasks. A key belongs to one task per task name, enforced by the primary key. It is held while the
        // task is unfinished and, once it finishes, for its unique window (expires_at); triggers keep that in step with
        // every way a task can finish or be re-opened.
        """
        ALTER TABLE tq_tasks ADD COLUMN unique_window_ms INTEGER;
        CREATE TABLE tq_unique (
            name       TEXT    NOT NULL,
            key        TEXT    NOT NULL,
            task_id    INTEGER NOT NULL,
            expires_at INTEGER,
            PRIMARY KEY (name, key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX tq_unique_task ON tq_unique (task_id);
        CREATE TRIGGER tq_unique_finished AFTER UPDATE OF state ON tq_tasks
        WHEN NEW.state >= 3 AND OLD.state < 3 AND NEW.idempotency_key IS NOT NULL
        BEGIN
            UPDATE tq_unique SET expires_at = COALESCE(NEW.finished_at, 0) + COALESCE(NEW.unique_window_ms, 0) WHERE task_id = NEW.id;
        END;
        CREATE TRIGGER tq_unique_reopened AFTER UPDATE OF state ON tq_tasks
        WHEN NEW.state < 3 AND OLD.state >= 3 AND NEW.idempotency_key IS NOT NULL
        BEGIN
            UPDATE tq_unique SET expires_at = NULL WHERE task_id = NEW.id;
        END;
        """,

        // 4: recurring (cron) entries. next_run_at is the next occurrence not yet enqueued; firing advances it in the
        // same transaction that inserts the occurrence's task. source is 'attribute' (re-synced at each worker start)
        // or 'api'. payload is null for attribute entries (each occurrence gets a ScheduledOccurrence).
        """
        CREATE TABLE tq_recurring (
            id           TEXT    PRIMARY KEY,
            name         TEXT    NOT NULL,
            queue        TEXT    NOT NULL,
            priority     INTEGER NOT NULL,
            max_attempts INTEGER NOT NULL,
            cron         TEXT    NOT NULL,
            time_zone    TEXT    NOT NULL,
            payload      TEXT,
            catch_up     INTEGER,
            source       TEXT    NOT NULL,
            next_run_at  INTEGER NOT NULL,
            last_run_at  INTEGER
        ) STRICT;
        CREATE INDEX tq_recurring_next ON tq_recurring (next_run_at);
        """,

        // 5: the trace context of the enqueue (W3C traceparent and tracestate), so the span that runs the task joins the
        // trace that enqueued it. Null when nobody traced the enqueue.
        """
        ALTER TABLE tq_tasks ADD COLUMN trace_parent TEXT;
        ALTER TABLE tq_tasks ADD COLUMN trace_state TEXT;
        """,

        // 6: named queues and rate limits. tq_queues holds the durable pause flag (every process's claims read it).
        // tq_rate_starts is the log of recent starts per limit key ('task:<name>' or 'queue:<name>'), one row per
        // claim instant, pruned as it leaves the window. The lane indexes a claim needs to skip paused queues or
        // throttled names (SqliteTaskStore.LaneFifoIndexSql / LaneLifoIndexSql) are created on first use, so a
        // database that never uses these features pays nothing for them on every insert and claim.
        """
        CREATE TABLE tq_queues (
            name       TEXT    PRIMARY KEY,
            paused     INTEGER NOT NULL,
            changed_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE tq_rate_starts (
            key        TEXT    NOT NULL,
            started_at INTEGER NOT NULL,
            starts     INTEGER NOT NULL,
            PRIMARY KEY (key, started_at)
        ) STRICT, WITHOUT ROWID;
        """,

        // 7: task ids are never reused. Without AUTOINCREMENT, SQLite hands out max(id) + 1, so deleting or purging the
        // newest tasks gave their ids to the next ones, and an id in a log line or a link could name another task. The
        // table is rebuilt with AUTOINCREMENT (a one-time copy); its indexes and triggers are created again. The lane
        // indexes of migration 6 are created again on first use, as always.
        """
        CREATE TABLE tq_tasks_v7 (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            name             TEXT    NOT NULL,
            queue            TEXT    NOT NULL,
            state            INTEGER NOT NULL,
            priority         INTEGER NOT NULL,
            payload          TEXT    NOT NULL,
            attempts         INTEGER NOT NULL DEFAULT 0,
            max_attempts     INTEGER NOT NULL,
            enqueued_at      INTEGER NOT NULL,
            run_at           INTEGER NOT NULL,
            started_at       INTEGER,
            finished_at      INTEGER,
            worker_id        TEXT,
            lease_expires_at INTEGER,
            result           TEXT,
            error_type       TEXT,
            error_message    TEXT,
            error_stack      TEXT,
            idempotency_key  TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            unique_window_ms INTEGER,
            trace_parent     TEXT,
            trace_state      TEXT
        ) STRICT;
        INSERT INTO tq_tasks_v7 (id, name, queue, state, priority, payload, attempts, max_attempts, enqueued_at, run_at, started_at, finished_at, worker_id, lease_expires_at, result, error_type, error_message, error_stack, idempotency_key, cancel_requested, unique_window_ms, trace_parent, trace_state)
        SELECT id, name, queue, state, priority, payload, attempts, max_attempts, enqueued_at, run_at, started_at, finished_at, worker_id, lease_expires_at, result, error_type, error_message, error_stack, idempotency_key, cancel_requested, unique_window_ms, trace_parent, trace_state FROM tq_tasks;
        DROP TABLE tq_tasks;
        ALTER TABLE tq_tasks_v7 RENAME TO tq_tasks;
        CREATE INDEX tq_tasks_pending   ON tq_tasks (priority DESC, run_at, id) WHERE state = 1;
        CREATE INDEX tq_tasks_scheduled ON tq_tasks (run_at) WHERE state = 0;
        CREATE INDEX tq_tasks_running   ON tq_tasks (lease_expires_at) WHERE state = 2;
        CREATE INDEX tq_tasks_finished  ON tq_tasks (finished_at) WHERE state >= 3;
        CREATE INDEX tq_tasks_state_id  ON tq_tasks (state, id);
        CREATE TRIGGER tq_unique_finished AFTER UPDATE OF state ON tq_tasks
        WHEN NEW.state >= 3 AND OLD.state < 3 AND NEW.idempotency_key IS NOT NULL
        BEGIN
            UPDATE tq_unique SET expires_at = COALESCE(NEW.finished_at, 0) + COALESCE(NEW.unique_window_ms, 0) WHERE task_id = NEW.id;
        END;
        CREATE TRIGGER tq_unique_reopened AFTER UPDATE OF state ON tq_tasks
        WHEN NEW.state < 3 AND OLD.state >= 3 AND NEW.idempotency_key IS NOT NULL
        BEGIN
            UPDATE tq_unique SET expires_at = NULL WHERE task_id = NEW.id;
        END;
        """,

        // 8: nothing extra runs when a task changes state. The two unique-key triggers ran on every state change of
        // every task, and tq_tasks_state_id was rewritten with it: together about 30% of the claim-and-complete
        // throughput. A key's expiry is now derived from its holder's row when a task with the same key is enqueued
        // (SqliteTaskStore.FindHolderAsync): free once the holder is gone, or finished and past its unique window. The
        // expires_at column of tq_unique stays (rows written before this migration still carry a value) but is no
        // longer written or read. Listing by state walks the partial index of that state, or the primary key for
        // pending and succeeded tasks (SqliteTaskStore.ListTasksAsync); tq_tasks_failed serves dead (4) and
        // cancelled (5) tasks, with a plain comparison as its condition, which the hot path pays less for than IN (...).
        """
        DROP TRIGGER tq_unique_finished;
        DROP TRIGGER tq_unique_reopened;
        DROP INDEX tq_tasks_state_id;
        CREATE INDEX tq_tasks_failed ON tq_tasks (state, id) WHERE state >= 4;
        """,
    ];

    /// <summary>The schema version this build writes and understands.</summary>
    public static int CurrentVersion => Migrations.Length;
}
