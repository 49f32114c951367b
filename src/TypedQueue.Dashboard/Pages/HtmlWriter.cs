using System.Globalization;
using System.Text;
using System.Net;

namespace TypedQueue.Dashboard.Pages;

/// <summary>Builds a page: markup goes in through <see cref="Raw"/>, everything that came from data through <see cref="Text(string?)"/>.</summary>
internal sealed class HtmlWriter
{
    private readonly StringBuilder _html = new(4096);

    /// <summary>Appends trusted markup written in this assembly. Never pass data here.</summary>
    public HtmlWriter Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    /// <summary>Appends text with &amp;, &lt;, &gt;, quotes and apostrophes encoded: safe in element content and in quoted attribute values.</summary>
    public HtmlWriter Text(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _html.Append(WebUtility.HtmlEncode(text));
        }

        return this;
    }

    /// <summary>Appends a number.</summary>
    public HtmlWriter Text(long number)
    {
        _html.Append(number.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    /// <summary>Appends a UTC time, or a dash when there is none.</summary>
    public HtmlWriter Time(DateTimeOffset? time) =>
        time is { } t ? Text(t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)) : Raw("&ndash;");

    /// <summary>A path with a query string whose values are URL-escaped (null and empty values are left out); still HTML-encode it with <see cref="Text(string?)"/>.</summary>
    public static string Url(string path, params ReadOnlySpan<(string Key, string? Value)> query)
    {
        var url = new StringBuilder(path);
        var separator = '?';
        foreach (var (key, value) in query)
        {
            if (!string.IsNullOrEmpty(value))
            {
                url.Append(separator).Append(key).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
        }

        return url.ToString();
    }

    public override string ToString() => _html.ToString();
}
