using TypedQueue.Inspection;
using TypedQueue.Tests.Handlers;
using TypedQueue.Tests.Support;

namespace TypedQueue.Tests.Execution;

/// <summary>The static Tasks.X API uses the process-wide queue, so these tests do not run beside other hosts.</summary>
[CollectionDefinition(nameof(AmbientQueueTests), DisableParallelization = true)]
public sealed class AmbientQueueCollection;

[Collection(nameof(AmbientQueueTests))]
public sealed class AmbientQueueTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task The_static_api_works_once_the_host_is_built()
    {
        await using var host = TestHost.Build(_db.Path);

        var id = await Tasks.RecordOrder.EnqueueAsync(new OrderPayload { Label = "static" });
        var ids = await Tasks.RecordOrder.EnqueueManyAsync([new OrderPayload { Label = "a" }, new OrderPayload { Label = "b" }]);
        await host.Host.StartAsync();
        var done = await host.WaitForCompletionAsync(id);

        Assert.Equal(TaskState.Succeeded, done.State);
        Assert.Equal("test.record-order", done.Name);
        Assert.Equal(2, ids.Count);
        await host.Queue.WaitUntilDrainedAsync();
        Assert.Equal(3, host.Recorder.Order.Count);
    }
}
