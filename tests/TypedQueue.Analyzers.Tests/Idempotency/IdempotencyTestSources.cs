namespace TypedQueue.Analyzers.Tests.Idempotency;

/// <summary>Declarations the idempotency tests share: stand-ins for data access.</summary>
internal static class IdempotencyTestSources
{
    /// <summary>
    /// A Dapper-like Execute extension, an ADO.NET-like command and a mailer interface.
    /// </summary>
    public const string Support = """

        namespace Microsoft.Extensions.Logging
        {
            // Stand-in: the test references hold only the BCL and TypedQueue.
            public interface ILogger<T>
            {
                void LogInformation(string message, params object?[] args);
            }
        }

        namespace Data
        {
            public static class DbExtensions
            {
                public static Task<int> ExecuteAsync(this System.Data.IDbConnection connection, string sql, object? param = null) => Task.FromResult(0);
            }

            public sealed class SqliteCommand
            {
                public SqliteCommand(string commandText, System.Data.IDbConnection connection) { }
                public Task<int> ExecuteNonQueryAsync() => Task.FromResult(0);
            }

            public static class Ledger
            {
                [TypedQueue.SideEffect]
                public static Task ChargeAsync(int amount) => Task.CompletedTask;

                public static Task RefundAsync(int amount) => Task.CompletedTask;
            }

            public interface IEmailSender
            {
                Task SendEmailAsync(string to, string subject, string body);
            }

            public sealed class Tasks
            {
                public static class SendReceipt
                {
                    public static ValueTask<long> EnqueueAsync(string payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default) => default;
                    public static ValueTask<IReadOnlyList<long>> EnqueueManyAsync(IEnumerable<string> payloads, EnqueueOptions? options = null, CancellationToken cancellationToken = default) => default;
                }
            }
        }
        """;

    /// <summary>A handler class with common services injected, wrapping <paramref name="body"/> (a method body with markup).</summary>
    public static string Handler(string body, string parameters = "Order order, TaskContext context, CancellationToken cancellationToken", string attributes = "[QueueTask]") => $$"""
        using System.Data;
        using System.Net.Http;
        using System.Net.Http.Json;
        using Data;
        using Microsoft.Extensions.Logging;

        public sealed record Order(int Id, string Email, string Path);

        public sealed class Handlers(HttpClient http, IDbConnection db, IEmailSender mail, ITaskQueue queue, ILogger<Handlers> logger)
        {
            public static int Processed;

            {{attributes}}
            public async Task Handle({{parameters}})
            {
        {{body}}
            }
        }
        """ + Support;
}
