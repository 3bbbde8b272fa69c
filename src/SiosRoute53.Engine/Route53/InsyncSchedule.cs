namespace SiosRoute53.Route53;

/// <summary>What the follower knows about one change it follows.</summary>
public sealed record FollowedChange
{
    /// <summary>When following began (the change was accepted).</summary>
    public required DateTimeOffset Started { get; init; }

    /// <summary>The seed's budget ends here: Started + ROUTE53_CHANGEID_INTERVAL × ROUTE53_CHANGEID_TRY_COUNT.</summary>
    public required DateTimeOffset Deadline { get; init; }

    /// <summary>ROUTE53_CHANGEID_INTERVAL: no pause between two looks is longer.</summary>
    public required TimeSpan Interval { get; init; }

    public DateTimeOffset? LastPoll { get; init; }

    /// <summary>Failed polls in a row (Throttling, no answer, a server fault); 0 after an answer.</summary>
    public int Failures { get; init; }

    /// <summary>A DNS hint watches this change (the zone's name servers can be asked for the new value).</summary>
    public bool Hinted { get; init; }

    /// <summary>When the name servers first answered the new value; null while they have not.</summary>
    public DateTimeOffset? HintSeenAt { get; init; }
}

/// <summary>When to ask GetChange about a change next, and the rule that said so.</summary>
public readonly record struct PollDecision(DateTimeOffset At, string Rule);

/// <summary>
/// The INSYNC follower's decisions, as a pure function of what it knows (no clock, no I/O). The goal is to see INSYNC
/// within about half a second of it happening, with no throttled request and within the seed's budget:
/// <list type="bullet">
/// <item>steady: about one GetChange a second per change (every <see cref="SteadyPeriod"/>), or fewer when many changes
/// share the follower's part of the node's request budget (every pending ÷ polls-per-second seconds);</item>
/// <item>dns hint: when the zone's name servers answer the new value, ask at once; while they do not, GetChange is only
/// a safety net (every <see cref="HintedPeriod"/>), so ten pending changes cost little more than one;</item>
/// <item>backoff: after a failed poll (Throttling above all) wait 1, 2, 4 … seconds, up to the interval;</item>
/// <item>deadline: the last look is at the end of the budget, so a change that turns INSYNC just then is still seen.</item>
/// </list>
/// No pause is longer than ROUTE53_CHANGEID_INTERVAL.
/// </summary>
public static class InsyncSchedule
{
    public static readonly TimeSpan SteadyPeriod = TimeSpan.FromMilliseconds(800);
    public static readonly TimeSpan HintedPeriod = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    /// <summary>How often the name servers are asked while a hint watches a change (DNS costs no API budget).</summary>
    public static readonly TimeSpan HintPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The next poll of <paramref name="change"/>, given how many changes the follower has pending and how many
    /// GetChange calls a second it may make in all; null when the budget is spent (the deadline was looked at).
    /// </summary>
    public static PollDecision? Next(FollowedChange change, int pending, double pollsPerSecond)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (pending < 1) throw new ArgumentOutOfRangeException(nameof(pending), pending, "At least the change itself is pending.");
        if (pollsPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(pollsPerSecond), pollsPerSecond, "Must be positive.");
        if (change.LastPoll >= change.Deadline) return null;

        var from = change.LastPoll ?? change.Started;
        var fair = TimeSpan.FromSeconds(pending / pollsPerSecond);
        TimeSpan pause;
        string rule;
        if (change.Failures > 0)
        {
            pause = FirstBackoff * Math.Pow(2, Math.Min(change.Failures - 1, 16));
            rule = $"backoff after {change.Failures} failed poll(s)";
        }
        else if (change.HintSeenAt is { } seen && (change.LastPoll is null || change.LastPoll < seen))
        {
            // The name servers answer the new value: ask now, but never two polls of one change closer than the hint period.
            var at = Max(seen, from + HintPeriod);
            return Bounded(change, at, "dns hint: the name servers answer the new value");
        }
        else if (change.Hinted && change.HintSeenAt is null)
        {
            pause = Max(HintedPeriod, fair);
            rule = "safety net while the name servers answer the old value";
        }
        else if (change.LastPoll is null)
        {
            // The first look comes after the steady period whatever else is pending; the follower's pacing spreads the
            // first looks of changes made together, and from then on each keeps its own phase.
            pause = SteadyPeriod;
            rule = "first look";
        }
        else
        {
            pause = Max(SteadyPeriod, fair);
            rule = pause == SteadyPeriod ? "steady, about once a second" : $"steady, {pending} changes share {pollsPerSecond:0.#} polls/s";
        }
        if (pause > change.Interval)
        {
            pause = change.Interval;
            rule += ", capped by ROUTE53_CHANGEID_INTERVAL";
        }
        return Bounded(change, from + pause, rule);
    }

    /// <summary>
    /// The follower's own pacing: no two of its polls closer than one over its polls per second, so a burst of changes
    /// that fall due together goes out at the follower's rate, not at the node's.
    /// </summary>
    public static PollDecision Paced(PollDecision decision, DateTimeOffset? lastPollOfAny, double pollsPerSecond)
    {
        if (lastPollOfAny is not { } last) return decision;
        var earliest = last + TimeSpan.FromSeconds(1 / pollsPerSecond);
        return decision.At >= earliest ? decision : new PollDecision(earliest, decision.Rule + ", paced to the follower's share");
    }

    private static PollDecision Bounded(FollowedChange change, DateTimeOffset at, string rule) =>
        at >= change.Deadline ? new PollDecision(change.Deadline, "deadline: last look within the budget") : new PollDecision(at, rule);

    private static T Max<T>(T a, T b) where T : IComparable<T> => a.CompareTo(b) >= 0 ? a : b;
}
