using System.Runtime.CompilerServices;

namespace TypedQueue.Generators.Tests;

/// <summary>Approved-file snapshots: compares with Snapshots/&lt;name&gt;.verified.cs, writes .received.cs on mismatch.</summary>
internal static class Snapshot
{
    public static void Match(string name, string actual, [CallerFilePath] string callerFile = "")
    {
        var folder = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        Directory.CreateDirectory(folder);
        var verified = Path.Combine(folder, $"{name}.verified.cs");
        var received = Path.Combine(folder, $"{name}.received.cs");
        actual = actual.Replace("\r\n", "\n");
        if (Environment.GetEnvironmentVariable("ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, actual);
        }

        var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail($"Snapshot '{name}' differs (or is new). Compare {received} with {verified}; run with ACCEPT_SNAPSHOTS=1 to accept.");
    }
}
