namespace TypedQueue.Tests.Handlers;

public enum Tier
{
    Free,
    Pro,
}

public sealed record Address(string City, string Zip);

/// <summary>Every payload shape the generator promises, in one record.</summary>
public sealed record RichPayload(
    int Count,
    long Big,
    string Text,
    bool Flag,
    double Ratio,
    decimal Amount,
    char Letter,
    Tier Tier,
    Guid Id,
    DateTime When,
    DateTimeOffset At,
    TimeSpan Span,
    DateOnly Day,
    int? Maybe,
    int? Missing,
    int[] Numbers,
    List<string> Tags,
    IReadOnlyList<Address> Others,
    Dictionary<string, int> Scores,
    Address Home,
    Address? NoAddress)
{
    // Records compare collections by reference; compare them by content for round-trip assertions.
    private static readonly int[] NoNumbers = [];
    private static readonly List<string> NoTags = [];
    private static readonly Dictionary<string, int> NoScores = [];
    private static readonly Address[] NoOthers = [];

    public bool SameAs(RichPayload other) =>
        this with { Numbers = NoNumbers, Tags = NoTags, Others = NoOthers, Scores = NoScores }
            == other with { Numbers = NoNumbers, Tags = NoTags, Others = NoOthers, Scores = NoScores }
        && Numbers.SequenceEqual(other.Numbers)
        && Tags.SequenceEqual(other.Tags)
        && Others.SequenceEqual(other.Others)
        && Scores.OrderBy(p => p.Key).SequenceEqual(other.Scores.OrderBy(p => p.Key));
}

/// <summary>A class with init properties rather than a constructor.</summary>
public sealed class OrderPayload
{
    public string Label { get; init; } = "";

    public int Sequence { get; init; }
}

public sealed record FlakyPayload(int FailTimes);

public sealed record FailPayload(string Reason);

public sealed record SumResult(int Total, string Note);
