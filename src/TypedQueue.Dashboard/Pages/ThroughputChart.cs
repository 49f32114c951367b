using System.Globalization;
using TypedQueue.Dashboard.Data;

namespace TypedQueue.Dashboard.Pages;

/// <summary>An inline SVG bar chart of finished tasks per minute, stacked by final state.</summary>
internal static class ThroughputChart
{
    private const int BarWidth = 10;
    private const int Gap = 2;
    private const int PlotHeight = 120;
    private const int Left = 36;
    private const int Top = 8;

    public static void Write(HtmlWriter html, IReadOnlyList<ThroughputMinute> minutes)
    {
        var max = Math.Max(1, minutes.Count == 0 ? 1 : minutes.Max(m => m.Total));
        var width = Left + (minutes.Count * (BarWidth + Gap)) + 4;
        var height = Top + PlotHeight + 20;
        html.Raw("<svg role=\"img\" aria-label=\"Tasks finished per minute over the last hour\" width=\"").Text(width).Raw("\" height=\"").Text(height)
            .Raw("\" viewBox=\"0 0 ").Text(width).Raw(" ").Text(height).Raw("\">");
        html.Raw("<line x1=\"").Text(Left - 2).Raw("\" y1=\"").Text(Top + PlotHeight).Raw("\" x2=\"").Text(width).Raw("\" y2=\"").Text(Top + PlotHeight).Raw("\" stroke=\"#d0d7de\"/>");
        html.Raw("<text x=\"0\" y=\"").Text(Top + 10).Raw("\">").Text(max).Raw("</text><text x=\"0\" y=\"").Text(Top + PlotHeight).Raw("\">0</text>");
        for (var i = 0; i < minutes.Count; i++)
        {
            var minute = minutes[i];
            var x = Left + (i * (BarWidth + Gap));
            var y = Top + PlotHeight;
            html.Raw("<g><title>").Text(minute.Start.UtcDateTime.ToString("HH:mm'Z'", CultureInfo.InvariantCulture)).Raw(": ")
                .Text(minute.Succeeded).Raw(" succeeded, ").Text(minute.Dead).Raw(" dead, ").Text(minute.Cancelled).Raw(" cancelled</title>");
            html.Raw("<rect x=\"").Text(x).Raw("\" y=\"").Text(Top).Raw("\" width=\"").Text(BarWidth).Raw("\" height=\"").Text(PlotHeight).Raw("\" fill=\"transparent\"/>");
            foreach (var (count, color) in new[] { (minute.Succeeded, "#1a7f37"), (minute.Dead, "#cf222e"), (minute.Cancelled, "#6e7781") })
            {
                if (count == 0)
                {
                    continue;
                }

                var barHeight = Math.Max(1, (int)Math.Round(count * (double)PlotHeight / max));
                y -= barHeight;
                html.Raw("<rect x=\"").Text(x).Raw("\" y=\"").Text(y).Raw("\" width=\"").Text(BarWidth).Raw("\" height=\"").Text(barHeight).Raw("\" fill=\"").Raw(color).Raw("\"/>");
            }

            html.Raw("</g>");
        }

        html.Raw("<text x=\"").Text(Left).Raw("\" y=\"").Text(height - 4).Raw("\">60 min ago</text><text x=\"").Text(width - 30).Raw("\" y=\"").Text(height - 4).Raw("\">now</text></svg>");
        html.Raw("<div class=\"muted\"><span style=\"color:#1a7f37\">&#9632;</span> succeeded <span style=\"color:#cf222e\">&#9632;</span> dead <span style=\"color:#6e7781\">&#9632;</span> cancelled &middot; ")
            .Text(minutes.Sum(m => m.Total)).Raw(" finished in the last hour</div>");
    }
}
