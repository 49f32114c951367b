// A web app whose TypedQueue traces go to the console and whose metrics are scraped by Prometheus at /metrics,
// with TypedQueue's health check at /health. Run: dotnet run --project samples/TypedQueue.Samples.Telemetry
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TypedQueue;
using TypedQueue.Samples.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddTypedQueue(o => o.DatabasePath = builder.Configuration["TypedQueue:DatabasePath"] ?? "telemetry.db");
builder.Services.AddHealthChecks().AddTypedQueue(h => h.MaxReadyTaskAge = TimeSpan.FromMinutes(1));
builder.Services.AddHostedService<DemoOrders>();

builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService("TypedQueue.Samples.Telemetry"))
    .WithTracing(tracing => tracing
        .AddSource(TypedQueueTelemetry.ActivitySourceName)
        .AddSource(DemoOrders.Source.Name)
        .AddConsoleExporter())
    .WithMetrics(metrics => metrics
        .AddMeter(TypedQueueTelemetry.MeterName)
        .AddPrometheusExporter());

var app = builder.Build();
app.MapPrometheusScrapingEndpoint();                                            // GET /metrics
app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });
app.MapPost("/orders", async (Order order, ITaskQueue queue) =>
{
    var confirm = await queue.EnqueueAsync(Tasks.ConfirmOrder.Definition, order);
    var charge = await queue.EnqueueAsync(Tasks.ChargeOrder.Definition, order);
    return Results.Accepted(value: new[] { confirm, charge });
});
app.MapGet("/", () => "TypedQueue telemetry sample: GET /metrics, GET /health, POST /orders {\"id\":\"B-1\",\"email\":\"b@example.com\",\"amount\":12.5}");
app.Run();
