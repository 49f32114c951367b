namespace TypedQueue.Cli.Tests;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("7d", 7 * 24 * 3600_000.0)]
    [InlineData("12h", 12 * 3600_000.0)]
    [InlineData("30m", 30 * 60_000.0)]
    [InlineData("45s", 45_000.0)]
    [InlineData("500ms", 500.0)]
    [InlineData("2w", 14 * 24 * 3600_000.0)]
    [InlineData("1d12h", 36 * 3600_000.0)]
    [InlineData("1.5h", 90 * 60_000.0)]
    [InlineData("0s", 0.0)]
    [InlineData("7.00:00:00", 7 * 24 * 3600_000.0)]
    [InlineData("00:30:00", 30 * 60_000.0)]
    [InlineData(" 3D ", 3 * 24 * 3600_000.0)]
    public void Parses(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("d")]
    [InlineData("7y")]
    [InlineData("-1d")]
    [InlineData("-00:01:00")]
    [InlineData("1d 2h")]
    [InlineData("soon")]
    public void Rejects(string text) => Assert.False(DurationParser.TryParse(text, out _));
}
