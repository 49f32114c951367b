namespace TypedQueue.Samples.Telemetry;

/// <summary>An order to confirm and charge.</summary>
public sealed record Order(string Id, string Email, decimal Amount);

/// <summary>The sample's handlers: a confirmation that always works and a charge that declines large amounts.</summary>
public sealed class OrderTasks
{
    /// <summary>Confirms an order; a few milliseconds of "work" so the run-time histogram has something to show.</summary>
    [QueueTask(Name = "orders.confirm", Queue = "orders")]
    public static Task ConfirmOrder(Order order, CancellationToken cancellationToken) => Task.Delay(5, cancellationToken);

    /// <summary>Charges an order. Amounts over 1,000 are declined on every attempt and end dead-lettered.</summary>
    [QueueTask(Name = "payments.charge", Queue = "payments", MaxAttempts = 2)]
    public static void ChargeOrder(Order order)
    {
        if (order.Amount > 1000)
        {
            throw new InvalidOperationException($"The card for order {order.Id} was declined ({order.Amount:0.00}).");
        }
    }
}
