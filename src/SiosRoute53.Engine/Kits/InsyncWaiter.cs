using SiosRoute53.Route53;

namespace SiosRoute53.Kits;

/// <summary>The result of following a change: whether it reached INSYNC, after how long and how many polls.</summary>
public sealed record InsyncResult(bool InSync, TimeSpan Elapsed, int Polls, ChangeStatus LastStatus);

/// <summary>
/// Follows a Route 53 change until INSYNC. Instead of only the seed's fixed ROUTE53_CHANGEID_INTERVAL sleeps it polls
/// at short, growing intervals first (0.5 s, 1 s, 2 s, …) while they stay under the interval, then at every multiple of
/// the interval, within the same total budget (interval × ROUTE53_CHANGEID_TRY_COUNT). A fast change is seen in about
/// a second, not twenty, and a slow one never later than the seed's fixed polling would see it.
/// </summary>
public static class InsyncWaiter
{
    public static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(500);

    /// <summary>The pauses before each poll; their sum is the budget.</summary>
    public static IEnumerable<TimeSpan> Schedule(TimeSpan cap, int tryCount)
    {
        var budget = cap * tryCount;
        var total = TimeSpan.Zero;
        // Growing polls while they stay below the first multiple of the interval...
        for (var pause = FirstPause; total + pause < cap; pause *= 2)
        {
            total += pause;
            yield return pause;
        }
        // ...then on every multiple of it, as the seed polls, so no change is seen later than there.
        while (total < budget)
        {
            var next = cap - TimeSpan.FromTicks(total.Ticks % cap.Ticks);
            if (total + next > budget) next = budget - total;
            total += next;
            yield return next;
        }
    }

    public static async Task<InsyncResult> WaitAsync(
        IRoute53Client client, string changeId, TimeSpan cap, int tryCount, TimeProvider time,
        Action<TimeSpan, TimeSpan, ChangeStatus>? onPoll, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var budget = cap * tryCount;
        int polls = 0;
        var status = ChangeStatus.PENDING;
        foreach (var pause in Schedule(cap, tryCount))
        {
            await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
            try
            {
                status = (await client.GetChangeAsync(changeId, cancellationToken).ConfigureAwait(false)).Status;
            }
            catch (Route53Exception) when (time.GetElapsedTime(started) < budget)
            {
                // A failed poll is one more PENDING answer; the budget still bounds the wait.
            }
            polls++;
            onPoll?.Invoke(time.GetElapsedTime(started), budget, status);
            if (status == ChangeStatus.INSYNC) return new InsyncResult(true, time.GetElapsedTime(started), polls, status);
        }
        return new InsyncResult(false, time.GetElapsedTime(started), polls, status);
    }
}
