using TypedQueue.Inspection;

namespace TypedQueue.Dashboard.Pages;

/// <summary>The frame every page shares: head, inline styles, header and navigation.</summary>
internal static class PageLayout
{
    public static readonly TaskState[] States = Enum.GetValues<TaskState>();

    private const string Styles = """
        :root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#f6f8fa;--accent:#0969da}
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:#fff}
        header{display:flex;gap:24px;align-items:center;padding:10px 24px;background:#24292f}
        header a{color:#fff;text-decoration:none}
        header .brand{font-weight:600;font-size:16px}
        header nav{display:flex;gap:14px;flex-wrap:wrap}
        header nav a{color:#d0d7de}
        main{padding:16px 24px;max-width:1200px}
        h1{font-size:20px;margin:8px 0 16px}
        h2{font-size:16px;margin:24px 0 8px}
        a{color:var(--accent)}
        table{border-collapse:collapse;width:100%}
        th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
        th{background:var(--bg);font-weight:600}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
        .muted{color:var(--muted)}
        .paused{font-size:.8em;padding:0 .4em;border-radius:1em;background:#fff8c5;border:1px solid #d4a72c}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
        .s-Scheduled{background:#8250df}.s-Pending{background:#bf8700}.s-Running{background:#0969da}
        .s-Succeeded{background:#1a7f37}.s-Dead{background:#cf222e}.s-Cancelled{background:#6e7781}
        .cards{display:flex;gap:12px;flex-wrap:wrap}
        .card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px}
        .card .n{font-size:22px;font-weight:600}
        pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-word}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}
        dt{color:var(--muted)}
        dd{margin:0}
        form.filters{display:flex;gap:8px;align-items:end;flex-wrap:wrap;margin-bottom:12px}
        form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
        input,select,button{font:inherit;padding:4px 8px}
        input[type=number]{width:7em}
        button{cursor:pointer;border:1px solid var(--line);border-radius:6px;background:var(--bg)}
        button.danger{color:#cf222e}
        .actions{display:flex;gap:8px;margin:12px 0}
        .notice{padding:8px 12px;border-radius:6px;background:#ddf4ff;border:1px solid #54aeff;margin-bottom:12px}
        .pager{display:flex;gap:16px;margin-top:12px}
        svg text{font-size:11px;fill:var(--muted)}
        """;

    public static string Render(string title, string basePath, string pageTitle, Action<HtmlWriter> body)
    {
        var html = new HtmlWriter();
        html.Raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
            .Text(pageTitle).Raw(" &middot; ").Text(title).Raw("</title><style>").Raw(Styles).Raw("</style></head><body><header><a class=\"brand\" href=\"")
            .Text(basePath + "/").Raw("\">").Text(title).Raw("</a><nav><a href=\"").Text(basePath + "/").Raw("\">Overview</a><a href=\"")
            .Text(basePath + "/tasks").Raw("\">All tasks</a>");
        foreach (var state in States)
        {
            html.Raw("<a href=\"").Text(HtmlWriter.Url(basePath + "/tasks", ("state", state.ToString()))).Raw("\">").Text(state.ToString()).Raw("</a>");
        }

        html.Raw("</nav></header><main><h1>").Text(pageTitle).Raw("</h1>");
        body(html);
        html.Raw("</main></body></html>");
        return html.ToString();
    }

    public static void StateBadge(HtmlWriter html, TaskState state) =>
        html.Raw("<span class=\"badge s-").Text(state.ToString()).Raw("\">").Text(state.ToString()).Raw("</span>");
}
