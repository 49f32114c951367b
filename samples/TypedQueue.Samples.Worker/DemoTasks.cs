using Microsoft.Extensions.Logging;

namespace TypedQueue.Samples.Worker;

/// <summary>The demo's handlers: plain methods, built from DI, one scope per task.</summary>
public sealed partial class DemoTasks(IMailer mailer, PaymentGateway payments, ILogger<DemoTasks> logger)
{
    /// <summary>Sends an e-mail; the task id makes the send idempotent.</summary>
    [QueueTask(Name = "emails.send", Queue = "emails", Priority = TaskPriority.High, MaxAttempts = 5)]
    public async Task SendEmail(EmailPayload email, TaskContext context, CancellationToken cancellationToken)
    {
        SampleStats.TaskStarted();
        await mailer.SendAsync($"task-{context.Id}", email, cancellationToken);
        LogSent(email.To, email.Subject);
    }

    /// <summary>Renders a thumbnail and returns where it went (stored as the task's result).</summary>
    [QueueTask(Name = "images.thumbnail")]
    public static async Task<ThumbnailResult> MakeThumbnail(ThumbnailRequest request, CancellationToken cancellationToken)
    {
        SampleStats.TaskStarted();
        await Task.Delay(10, cancellationToken);
        var extension = request.Format == ImageFormat.WebP ? "webp" : "jpg";
        var path = $"{Path.ChangeExtension(request.ImagePath, null)}.{request.Width}x{request.Height}.{extension}";
        return new ThumbnailResult(path, (long)request.Width * request.Height / 10);
    }

    /// <summary>Builds a monthly report; low priority, so it waits behind interactive work.</summary>
    [QueueTask(Name = "reports.monthly", Priority = TaskPriority.Low)]
    public static ReportSummary BuildMonthlyReport(ReportRequest request)
    {
        SampleStats.TaskStarted();
        var totals = request.Accounts.ToDictionary(a => a, a => (decimal)(a.Length * 1000));
        var below = request.Accounts.Where(a => request.Targets.TryGetValue(a, out var target) && totals[a] < target).ToList();
        return new ReportSummary(request.Month, request.Accounts.Count, totals.Values.Sum(), below);
    }

    /// <summary>Charges a card. A declined card fails every attempt and ends dead-lettered.</summary>
    [QueueTask(Name = "payments.charge", Priority = TaskPriority.Critical, MaxAttempts = 3)]
    public Task ChargeCard(ChargeRequest request, TaskContext context, CancellationToken cancellationToken)
    {
        SampleStats.TaskStarted();
        return payments.ChargeAsync($"charge-{context.Id}", request, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent '{Subject}' to {To}")]
    private partial void LogSent(string to, string subject);
}
