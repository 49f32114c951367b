using System.CommandLine;
using Microsoft.Extensions.Hosting;
using TypedQueue.Cli.Output;
using TypedQueue.Dashboard;

namespace TypedQueue.Cli.Commands;

/// <summary>
/// <c>typedqueue dashboard</c>: serves the web dashboard over the <c>--db</c> file until Ctrl+C. Loopback only unless
/// <c>--urls</c> says otherwise (and even then only loopback clients may read unless the app authorizes more);
/// read-only unless <c>--allow-actions</c>.
/// </summary>
internal static class DashboardCommand
{
    public static Command Create(CliOptions options)
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen, ';'-separated (port 0 picks a free port).",
            HelpName = "url",
            DefaultValueFactory = _ => DashboardHost.DefaultUrls,
        };
        urls.Validators.Add(r =>
        {
            foreach (var url in (r.GetValueOrDefault<string>() ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).DefaultIfEmpty(""))
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    r.AddError($"--urls: '{url}' is not an http:// or https:// address.");
                }
            }
        });
        var allowActions = new Option<bool>("--allow-actions")
        {
            Description = "Offer retry, cancel and purge (the dashboard is read-only without it).",
        };
        var command = new Command("dashboard", "Serve the web dashboard for the database: queues and states, throughput, task lists and details. Runs until Ctrl+C.")
        {
            urls, allowActions,
        };
        command.SetDatabaseAction(options, async context =>
        {
            var allow = context.Parse.GetValue(allowActions);
            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = await DashboardHost.StartAsync(context.Database.FullPath, context.Parse.GetValue(urls)!, o => o.AllowActions = allow, context.CancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                // Kestrel reports an address in use or not available as an IOException.
                throw new CliException(ExitCodes.ServerError, $"The dashboard cannot listen on {context.Parse.GetValue(urls)}: {ex.Message}");
            }

            await using (app.ConfigureAwait(false))
            {
                // The bound addresses, not the requested ones: port 0 becomes a real port.
                var bound = app.Urls.ToArray();
                if (context.Json)
                {
                    await context.Output.WriteLineAsync(CliJson.Serialize(new DashboardJson(context.Database.DisplayPath, bound, allow), indented: false)).ConfigureAwait(false);
                }
                else
                {
                    await context.Output.WriteLineAsync($"TypedQueue dashboard for {context.Database.DisplayPath} ({(allow ? "actions allowed" : "read-only")}) on {string.Join(", ", bound)}; Ctrl+C to stop.").ConfigureAwait(false);
                }

                await context.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    await app.WaitForShutdownAsync(context.CancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
                {
                    // Ctrl+C is how the dashboard ends.
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
