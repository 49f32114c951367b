using System.Net;
using Microsoft.AspNetCore.Http;

namespace TypedQueue.Dashboard.Security;

/// <summary>The dashboard's access rules: who may read, who may act, and which posts come from its own pages.</summary>
internal static class RequestChecks
{
    public static bool CanRead(HttpContext context, DashboardOptions options) =>
        options.Authorize is { } authorize ? authorize(context) : IsLoopback(context);

    public static bool CanAct(HttpContext context, DashboardOptions options) =>
        options.AllowActions && CanRead(context, options) && (options.AuthorizeActions?.Invoke(context) ?? true);

    /// <summary>
    /// Cross-site request forgery defence for the action forms: the browser's Origin (or, lacking it, Referer) must
    /// name this host, and Sec-Fetch-Site, when sent, must not say cross-site. A post with neither header is refused.
    /// </summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
        {
            return false;
        }

        var source = request.Headers.Origin.ToString();
        if (source.Length == 0)
        {
            source = request.Headers.Referer.ToString();
        }

        // Host and port only: a TLS-terminating proxy changes the scheme the app sees, not the host the browser used.
        return Uri.TryCreate(source, UriKind.Absolute, out var uri)
            && uri.Scheme is "http" or "https"
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsLoopback(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address);
}
