namespace TypedQueue.Dashboard.Tests;

/// <summary>A shipment to make; <see cref="Fail"/> makes the handler throw, so the task ends dead.</summary>
public sealed record Shipment(string Customer, bool Fail);

/// <summary>The handlers the dashboard tests fill their databases with.</summary>
public static class ShipmentTasks
{
    [QueueTask(Name = "orders.ship", Queue = "orders", MaxAttempts = 1)]
    public static string Ship(Shipment shipment) =>
        shipment.Fail ? throw new InvalidOperationException($"Cannot ship to {shipment.Customer}") : $"shipped to {shipment.Customer}";

    [QueueTask(Name = "mail.notify", Queue = "mail")]
    public static void Notify(Shipment shipment)
    {
        _ = shipment;
    }
}
