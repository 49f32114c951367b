using System.Collections.Concurrent;

namespace TypedQueue.Samples.Worker;

/// <summary>Sends e-mail. The demo keeps an outbox in memory instead of talking to an SMTP server.</summary>
public interface IMailer
{
    /// <summary>Sends one message; <paramref name="messageId"/> lets a real provider drop a repeated send.</summary>
    Task SendAsync(string messageId, EmailPayload email, CancellationToken cancellationToken);
}

/// <summary>An in-memory outbox keyed by message id, so a retried task never sends twice.</summary>
public sealed class OutboxMailer : IMailer
{
    private readonly ConcurrentDictionary<string, EmailPayload> _sent = new();

    /// <summary>Messages sent so far.</summary>
    public int Count => _sent.Count;

    /// <inheritdoc />
    public async Task SendAsync(string messageId, EmailPayload email, CancellationToken cancellationToken)
    {
        await Task.Delay(5, cancellationToken);
        _sent.TryAdd(messageId, email);
    }
}

/// <summary>Charges cards. The demo's gateway declines the token "tok_declined".</summary>
public sealed class PaymentGateway
{
    /// <summary>Charges an order once per idempotency key.</summary>
    public Task ChargeAsync(string idempotencyKey, ChargeRequest request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        return request.CardToken == "tok_declined"
            ? throw new CardDeclinedException($"Card for order {request.OrderId} was declined ({request.Amount} {request.Currency}).")
            : Task.Delay(5, cancellationToken);
    }
}

/// <summary>The gateway said no.</summary>
public sealed class CardDeclinedException(string message) : Exception(message);
