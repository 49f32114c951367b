using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TypedQueue.Dashboard;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the TypedQueue dashboard in an ASP.NET Core app.</summary>
public static class DashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard's pages and actions under <paramref name="prefix"/>. The app must have called
    /// <c>AddTypedQueue</c>. Returns the route group, so conventions such as <c>RequireAuthorization</c> can be added.
    /// </summary>
    public static RouteGroupBuilder MapTypedQueueDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/queue", Action<DashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var options = new DashboardOptions();
        configure?.Invoke(options);
        if (options.PageSize is < 1 or > 500)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.PageSize, "DashboardOptions.PageSize must be between 1 and 500.");
        }

        var normalized = "/" + prefix.Trim('/');
        var handlers = new DashboardRequestHandlers(options, normalized == "/" ? "" : normalized);
        var group = endpoints.MapGroup(normalized);
        group.MapGet("/", handlers.OverviewAsync);
        group.MapGet("/tasks", handlers.TaskListAsync);
        group.MapGet("/tasks/{id:long}", handlers.TaskDetailAsync);
        group.MapPost("/tasks/{id:long}/retry", handlers.RetryAsync);
        group.MapPost("/tasks/{id:long}/cancel", handlers.CancelAsync);
        group.MapPost("/tasks/{id:long}/delete", handlers.DeleteAsync);
        group.MapPost("/purge", handlers.PurgeAsync);
        return group;
    }
}
