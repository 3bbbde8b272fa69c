using System.Runtime.CompilerServices;
using SiosRoute53.Route53;

namespace SiosRoute53.Kits;

/// <summary>
/// How a kit action waits for its change to reach INSYNC: it hands the change to the process's one
/// <see cref="ChangeFollower"/>, which follows every pending change on the node's request budget by
/// <see cref="InsyncSchedule"/>, within the seed's budget (ROUTE53_CHANGEID_INTERVAL × ROUTE53_CHANGEID_TRY_COUNT).
/// </summary>
public static class InsyncWaiter
{
    private static readonly ConditionalWeakTable<TimeProvider, ChangeFollower> Followers = new();

    /// <summary>The follower for a clock: the shared one for the system clock, one per test clock otherwise.</summary>
    public static ChangeFollower FollowerFor(TimeProvider time) =>
        time == TimeProvider.System ? ChangeFollower.Shared : Followers.GetValue(time, t => new ChangeFollower(t));

    public static Task<InsyncResult> WaitAsync(
        IRoute53Client client, string changeId, TimeSpan interval, int tryCount, TimeProvider time,
        Action<InsyncPoll>? onPoll, CancellationToken cancellationToken, IInsyncHint? hint = null, double requestsPerSecond = 5) =>
        FollowerFor(time).FollowAsync(new FollowRequest
        {
            Client = client,
            ChangeId = changeId,
            Interval = interval,
            TryCount = tryCount,
            RequestsPerSecond = requestsPerSecond,
            Hint = hint,
            OnPoll = onPoll,
        }, cancellationToken);
}
