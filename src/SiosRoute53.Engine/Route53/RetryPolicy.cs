namespace SiosRoute53.Route53;

/// <summary>
/// The one place that decides whether a failed Route 53 call is tried again. Capped exponential backoff with jitter:
/// attempt n waits a random time in [0.1, 1]·min(cap, base·2ⁿ⁻¹). Jitter spreads nodes that were throttled together, so
/// they do not come back together; the node's <see cref="RequestBudget"/> slows the whole node after a Throttling answer.
/// Nothing above the client retries a call again: kits and the INSYNC follower take the client's answer as final.
/// </summary>
public sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Operations the client tries once: GetChange is a poll, and the INSYNC follower's schedule (which backs off on
    /// failures) decides when to ask again.
    /// </summary>
    public static readonly IReadOnlySet<string> SingleAttempt = new HashSet<string>(StringComparer.Ordinal) { "GetChange" };

    /// <summary>Whether failed attempt <paramref name="attempt"/> (1-based) of <paramref name="operation"/> is tried again.</summary>
    public bool Retries(string operation, Route53Exception failure, int attempt) =>
        failure.IsRetryable && attempt < MaxAttempts && !SingleAttempt.Contains(operation);

    /// <summary>The pause after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayAfter(int attempt, Random random)
    {
        double ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        // Never zero: a floor of a tenth of the ceiling keeps a storm from turning into a busy loop.
        double ms = ceiling * (0.1 + 0.9 * random.NextDouble());
        return TimeSpan.FromMilliseconds(ms);
    }
}
