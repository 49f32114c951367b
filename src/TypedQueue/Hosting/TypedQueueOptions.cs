namespace TypedQueue;

/// <summary>Settings for the store and the worker. Bound from the "TypedQueue" configuration section.</summary>
public sealed class TypedQueueOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "TypedQueue";

    /// <summary>
    /// Which store holds the tasks: <c>Sqlite</c> (the default) or <c>PostgreSql</c> (needs the TypedQueue.PostgreSql
    /// package). Left empty, PostgreSQL is chosen when <see cref="PostgreSql"/> has a connection string.
    /// </summary>
    public string? Store { get; set; }

    /// <summary>Settings of the PostgreSQL store (section <c>TypedQueue:PostgreSql</c>).</summary>
    public TypedQueuePostgreSqlOptions PostgreSql { get; set; } = new();

    /// <summary>The SQLite file; relative paths start at the working directory. Default <c>typedqueue.db</c>.</summary>
    public string DatabasePath { get; set; } = "typedqueue.db";

    /// <summary>A full Microsoft.Data.Sqlite connection string; overrides <see cref="DatabasePath"/>. Also read from <c>ConnectionStrings:TypedQueue</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Whether this process runs a worker. Set false in processes that only enqueue and inspect.</summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>How many tasks this process runs at once.</summary>
    public int Concurrency { get; set; } = 64;

    /// <summary>
    /// Whether a worker busy with quick tasks may claim up to twice <see cref="Concurrency"/> more than its free slots: as
    /// many as its slots free within about a millisecond at the recent tasks' mean run time, so one transaction serves more
    /// tasks.
    /// They wait in the worker, shown as running, and start in claim order as slots free; one that has not started within
    /// 20 ms, or when the worker stops, goes back to the queue with its attempt unspent. Handlers never run more than
    /// <see cref="Concurrency"/> at once either way. Off: a worker claims only into free slots.
    /// </summary>
    public bool ClaimAhead { get; set; } = true;

    /// <summary>
    /// How often an idle worker looks for work that nothing told it about. In-process enqueues wake it at once, and so do
    /// other processes' commits on PostgreSQL (NOTIFY) and on a SQLite file on a local disk (the worker watches the
    /// file's WAL); the poll bounds the wait where no such notice comes (a network share, a watcher the system refused).
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a worker renews the leases of its running tasks and looks for expired ones to rescue.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt may run when its handler sets no timeout; its cancellation token then fires and the attempt counts as failed.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The largest payload, in UTF-8 bytes of JSON, that an enqueue accepts.</summary>
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a claimed task belongs to its worker before another may take it back. Renewed every <see cref="HeartbeatInterval"/>.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The delay before the first retry; each further retry doubles it.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Random spread applied to each retry delay, as a fraction (0.2 = ±20 %), so failed tasks do not retry in lockstep.</summary>
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>How long a stopping worker waits for running tasks before cancelling them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What recurring entries without a policy of their own do with occurrences missed while no worker ran. Default <see cref="Scheduling.RecurringCatchUp.One"/>.</summary>
    public Scheduling.RecurringCatchUp CatchUp { get; set; } = Scheduling.RecurringCatchUp.One;

    /// <summary>The most missed occurrences one entry enqueues at once under <see cref="Scheduling.RecurringCatchUp.All"/> (the most recent ones).</summary>
    public int MaxCatchUpRuns { get; set; } = 100;

    /// <summary>How late an occurrence may be found and still count as on time rather than missed (matters for <see cref="Scheduling.RecurringCatchUp.Skip"/>).</summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How much a crash may cost. <see cref="TaskDurability.Normal"/> survives a process crash; <see cref="TaskDurability.Full"/> also a power cut.</summary>
    public TaskDurability Durability { get; set; } = TaskDurability.Normal;

    /// <summary>Settings per named queue (concurrency, weight, FIFO/LIFO, rate limit), bound from <c>TypedQueue:Queues:&lt;name&gt;</c>.</summary>
    public Dictionary<string, QueueOptions> Queues { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How free slots are shared between queues. Default <see cref="TypedQueue.QueueOrder.Priority"/>: one line by task priority.</summary>
    public QueueOrder QueueOrder { get; set; } = QueueOrder.Priority;
}

/// <summary>Settings of the PostgreSQL store; used when <see cref="TypedQueueOptions.Store"/> is <c>PostgreSql</c>.</summary>
public sealed class TypedQueuePostgreSqlOptions
{
    /// <summary>An Npgsql connection string; when empty, <see cref="TypedQueueOptions.ConnectionString"/> (or <c>ConnectionStrings:TypedQueue</c>) is used.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The schema holding TypedQueue's tables, created when missing. Default <c>typedqueue</c>.</summary>
    public string? Schema { get; set; }
}

/// <summary>SQLite's synchronous level.</summary>
public enum TaskDurability
{
    /// <summary><c>synchronous=NORMAL</c> in WAL mode: a process crash loses nothing; a power cut may lose the last commits.</summary>
    Normal,

    /// <summary><c>synchronous=FULL</c>: every commit is on disk before the call returns; slower.</summary>
    Full,
}
