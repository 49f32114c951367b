using System.IO.Compression;

namespace TypedQueue.IntegrationTests;

/// <summary>Packs TypedQueue and builds a consumer that references nothing but that one package.</summary>
public sealed class PackageConsumerTests
{
    [Fact]
    public async Task A_consumer_of_the_packed_package_gets_the_generator_and_runs_a_task()
    {
        var folder = Repo.NewTempFolder("package");
        var feed = Path.Combine(folder, "feed");
        // A version no earlier run used, so the NuGet cache can never hand back a stale package.
        var version = $"0.1.0-it.{DateTime.UtcNow:yyyyMMddHHmmss}.{Random.Shared.Next(100000)}";
        var project = Path.Combine(Repo.Root, "src", "TypedQueue", "TypedQueue.csproj");

        var pack = await Repo.RunAsync("dotnet", $"pack \"{project}\" -c Release -o \"{feed}\" -p:Version={version}", Repo.Root, TimeSpan.FromMinutes(5));
        Assert.True(pack.ExitCode == 0, pack.Output);

        var package = Path.Combine(feed, $"TypedQueue.{version}.nupkg");
        using (var zip = ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("analyzers/dotnet/cs/TypedQueue.Generators.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/TypedQueue.Analyzers.dll", entries);
            Assert.Contains("lib/net10.0/TypedQueue.dll", entries);
        }

        var consumer = Path.Combine(folder, "consumer");
        Directory.CreateDirectory(consumer);
        await File.WriteAllTextAsync(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TypedQueue" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        // Keep the repository's Directory.Build.props and central versions out of the consumer.
        await File.WriteAllTextAsync(Path.Combine(consumer, "Directory.Build.props"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(consumer, "Directory.Packages.props"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), """
            using Consumer;   // the generated Tasks class lives in the assembly's namespace
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Hosting;
            using TypedQueue;

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddTypedQueue(o => o.DatabasePath = "consumer.db");
            using var host = builder.Build();
            var id = await Tasks.Greet.EnqueueAsync(new Greeting("packed"));
            await host.StartAsync();
            var done = await host.Services.GetRequiredService<ITaskQueue>().WaitForCompletionAsync(id);
            Console.WriteLine($"state={done.State} result={done.Result}");
            await host.StopAsync();

            public sealed record Greeting(string Name);

            public static class Greeter
            {
                [QueueTask]
                public static string Greet(Greeting greeting) => $"hello {greeting.Name}";
            }
            """);

        var run = await Repo.RunAsync("dotnet", "run -c Release", consumer, TimeSpan.FromMinutes(5));

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("state=Succeeded result=\"hello packed\"", run.Output, StringComparison.Ordinal);

        // The analyzers ride along: a handler that POSTs on every attempt warns, the same handler declared idempotent does not.
        await File.WriteAllTextAsync(Path.Combine(consumer, "Charges.cs"), """
            using TypedQueue;

            public static class Charges
            {
                private static readonly HttpClient Http = new();

                [QueueTask]
                public static async Task Charge(Greeting greeting, CancellationToken cancellationToken) =>
                    await Http.PostAsync("https://payments.example/charge", null, cancellationToken);

                [QueueTask, Idempotent]
                public static async Task ChargeKeyed(Greeting greeting, CancellationToken cancellationToken) =>
                    await Http.PostAsync("https://payments.example/charge-keyed", null, cancellationToken);
            }
            """);
        var build = await Repo.RunAsync("dotnet", "build -c Release -p:TreatWarningsAsErrors=false --no-incremental", consumer, TimeSpan.FromMinutes(5));

        Assert.True(build.ExitCode == 0, build.Output);
        var warnings = build.Output.Split('\n').Where(line => line.Contains("warning TQ0010", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Single(warnings.Select(line => line[..line.IndexOf(": warning", StringComparison.Ordinal)]).Distinct());
        Assert.True(warnings[0].Contains("Charges.cs(9,", StringComparison.Ordinal), string.Join('\n', warnings));
    }
}
