namespace TypedQueue.Generators.Tests;

/// <summary>Consumer code the tests feed to the generator.</summary>
internal static class Sources
{
    public const string Shop = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using TypedQueue;

        namespace Shop;

        public enum Tier { Free, Gold }

        public sealed record Address(string Street, string City);

        public sealed record EmailPayload(string To, string Subject, Tier Tier, Address? ReplyTo, List<string> Tags);

        public interface IMailer { Task SendAsync(string to, CancellationToken cancellationToken); }

        public interface IAuditLog { void Write(string message); }

        public sealed class EmailHandlers : IDisposable
        {
            private readonly IMailer _mailer;

            public EmailHandlers(IMailer mailer, IAuditLog? audit = null) => _mailer = mailer;

            [QueueTask(Priority = TaskPriority.High, RateLimit = 10, RateLimitPeriodSeconds = 1.5)]
            public Task SendEmail(EmailPayload payload, CancellationToken cancellationToken) => _mailer.SendAsync(payload.To, cancellationToken);

            public void Dispose() { }
        }

        public sealed class ReportRequest
        {
            public Guid Id { get; set; }
            public DateOnly From { get; init; }
            public required int[] Days { get; set; }
            public Dictionary<string, decimal?> Totals { get; set; } = new();
        }

        public readonly record struct ReportResult(int Rows, TimeSpan Took);

        public static class Reports
        {
            [QueueTask(Name = "reports.build", Queue = "reports", MaxAttempts = 3, TimeoutSeconds = 90, UniqueByPayload = true, UniqueForSeconds = 3600)]
            public static ValueTask<ReportResult> BuildReport(TaskContext context, ReportRequest request) =>
                new(new ReportResult(request.Days.Length, TimeSpan.FromSeconds(context.Attempt)));
        }

        public static class Maintenance
        {
            [QueueTask(Name = "maintenance.nightly", Cron = "30 2 * * *", CronTimeZone = "Europe/Paris")]
            public static Task Nightly(ScheduledOccurrence occurrence) => Task.CompletedTask;
        }
        """;

    public const string UserContext = """
        namespace Shop;

        [System.Text.Json.Serialization.JsonSerializable(typeof(Address))]
        internal sealed partial class ShopJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
        """;

    public const string Unrelated = """
        namespace Shop;

        public sealed class Unrelated
        {
            public int Value { get; set; }
        }
        """;
}
