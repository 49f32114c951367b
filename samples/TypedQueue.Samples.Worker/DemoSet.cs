namespace TypedQueue.Samples.Worker;

/// <summary>The demo set, enqueued through the generated, typed API.</summary>
internal static class DemoSet
{
    public static async Task<int> EnqueueAsync(CancellationToken cancellationToken)
    {
        var emails = await Tasks.SendEmail.EnqueueManyAsync(
            Enumerable.Range(1, 5).Select(i => new EmailPayload($"user{i}@example.com", "Welcome to TypedQueue", $"Hello user {i}!")),
            cancellationToken: cancellationToken);

        var thumbnails = await Tasks.MakeThumbnail.EnqueueManyAsync(
        [
            new ThumbnailRequest("photos/beach.png", 320, 240, ImageFormat.Jpeg),
            new ThumbnailRequest("photos/city.png", 640, 480, ImageFormat.WebP),
            new ThumbnailRequest("photos/forest.png", 160, 120, ImageFormat.Jpeg),
        ], cancellationToken: cancellationToken);

        await Tasks.BuildMonthlyReport.EnqueueAsync(
            new ReportRequest(new DateOnly(2026, 10, 1), ["acme", "globex", "initech"], new Dictionary<string, decimal> { ["acme"] = 5000m }),
            new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(500), IdempotencyKey = "report-2026-10" },
            cancellationToken);

        await Tasks.ChargeCard.EnqueueAsync(new ChargeRequest(Guid.NewGuid(), 49.90m, "EUR", "tok_visa"), cancellationToken: cancellationToken);
        await Tasks.ChargeCard.EnqueueAsync(new ChargeRequest(Guid.NewGuid(), 120.00m, "EUR", "tok_declined"), cancellationToken: cancellationToken);

        return emails.Count + thumbnails.Count + 1 + 2;
    }
}
