using Microsoft.AspNetCore.Http;

namespace TypedQueue.Dashboard;

/// <summary>Who may see the dashboard, who may act on tasks, and how pages look.</summary>
public sealed class DashboardOptions
{
    /// <summary>
    /// Decides whether a request may read the dashboard. When null (the default) only requests from a loopback address
    /// are allowed. For policies that need async checks, add <c>.RequireAuthorization(...)</c> to the returned route group.
    /// </summary>
    public Func<HttpContext, bool>? Authorize { get; set; }

    /// <summary>Whether retry, cancel and purge are offered at all. Off by default: the dashboard is read-only.</summary>
    public bool AllowActions { get; set; }

    /// <summary>
    /// With <see cref="AllowActions"/> on, decides whether a request may act (it must also pass <see cref="Authorize"/>).
    /// Null lets every reader act.
    /// </summary>
    public Func<HttpContext, bool>? AuthorizeActions { get; set; }

    /// <summary>Tasks per page in task lists (1 to 500).</summary>
    public int PageSize { get; set; } = 50;

    /// <summary>The title shown in the header and the browser tab.</summary>
    public string Title { get; set; } = "TypedQueue";
}
