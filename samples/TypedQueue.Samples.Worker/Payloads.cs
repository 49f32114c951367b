namespace TypedQueue.Samples.Worker;

/// <summary>An e-mail to send.</summary>
public sealed record EmailPayload(string To, string Subject, string Body);

/// <summary>An image to shrink.</summary>
public sealed record ThumbnailRequest(string ImagePath, int Width, int Height, ImageFormat Format);

/// <summary>The stored result of a thumbnail task.</summary>
public sealed record ThumbnailResult(string ThumbnailPath, long Bytes);

/// <summary>Output formats.</summary>
public enum ImageFormat
{
    /// <summary>JPEG.</summary>
    Jpeg,

    /// <summary>WebP.</summary>
    WebP,
}

/// <summary>A monthly report over some accounts.</summary>
public sealed record ReportRequest(DateOnly Month, IReadOnlyList<string> Accounts, Dictionary<string, decimal> Targets);

/// <summary>The stored result of a report task.</summary>
public sealed record ReportSummary(DateOnly Month, int Accounts, decimal Total, IReadOnlyList<string> BelowTarget);

/// <summary>A card charge.</summary>
public sealed record ChargeRequest(Guid OrderId, decimal Amount, string Currency, string CardToken);
