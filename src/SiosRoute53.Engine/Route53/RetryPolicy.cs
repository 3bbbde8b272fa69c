namespace SiosRoute53.Route53;

/// <summary>
/// Capped exponential backoff with full jitter: attempt n waits a random time in [0, min(cap, base·2ⁿ)].
/// Full jitter spreads nodes that were throttled together, so they do not come back together.
/// </summary>
public sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The pause after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayAfter(int attempt, Random random)
    {
        double ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        // Never zero: a floor of a tenth of the ceiling keeps a storm from turning into a busy loop.
        double ms = ceiling * (0.1 + 0.9 * random.NextDouble());
        return TimeSpan.FromMilliseconds(ms);
    }
}
