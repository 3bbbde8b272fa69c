using System.Net;
using Microsoft.Extensions.Time.Testing;
using SiosRoute53.Route53;

namespace SiosRoute53.Tests.Unit.Hierarchy;

/// <summary>The INSYNC follower's schedule (a pure function) and the follower itself on a fake clock.</summary>
public class InsyncWaiterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static FollowedChange Change(double lastPoll = -1, int failures = 0, bool hinted = false, double? hintSeen = null) => new()
    {
        Started = T0,
        Deadline = T0.AddSeconds(100),
        Interval = TimeSpan.FromSeconds(20),
        LastPoll = lastPoll < 0 ? null : T0.AddSeconds(lastPoll),
        Failures = failures,
        Hinted = hinted,
        HintSeenAt = hintSeen is { } h ? T0.AddSeconds(h) : null,
    };

    private static double At(PollDecision? d) => (d!.Value.At - T0).TotalSeconds;

    [Fact]
    public void One_pending_change_is_asked_about_a_little_more_than_once_a_second()
    {
        Assert.Equal(0.8, At(InsyncSchedule.Next(Change(), 1, 3)), 3);
        Assert.Equal(5.8, At(InsyncSchedule.Next(Change(lastPoll: 5), 1, 3)), 3);
        Assert.StartsWith("steady", InsyncSchedule.Next(Change(lastPoll: 5), 1, 3)!.Value.Rule);
    }

    [Fact]
    public void Many_pending_changes_share_the_followers_part_of_the_budget()
    {
        // 10 changes on 3 GetChange calls a second: each is asked every 3.33 s, so together they stay at 3 a second.
        var d = InsyncSchedule.Next(Change(lastPoll: 5), 10, 3)!.Value;
        Assert.Equal(5 + 10 / 3.0, At(d), 3);
        Assert.Contains("10 changes share", d.Rule);
    }

    [Fact]
    public void Changes_made_together_have_their_first_looks_paced_at_the_followers_rate()
    {
        var first = InsyncSchedule.Next(Change(), 10, 3)!.Value;
        Assert.Equal(0.8, At(first), 3);
        Assert.Equal("first look", first.Rule);
        // Another change was just asked about at 0.8 s: this one waits a third of a second (3 polls/s).
        var paced = InsyncSchedule.Paced(first, T0.AddSeconds(0.8), 3);
        Assert.Equal(0.8 + 1 / 3.0, At(paced), 3);
        Assert.EndsWith("paced to the follower's share", paced.Rule);
        Assert.Equal(first, InsyncSchedule.Paced(first, T0.AddSeconds(0.1), 3));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(9, 20)] // never longer than ROUTE53_CHANGEID_INTERVAL
    public void A_failed_poll_backs_off_at_once_doubling_up_to_the_interval(int failures, double pause)
    {
        var d = InsyncSchedule.Next(Change(lastPoll: 10, failures: failures), 1, 3)!.Value;
        Assert.Equal(10 + pause, At(d), 3);
        Assert.StartsWith("backoff", d.Rule);
    }

    [Fact]
    public void While_the_name_servers_answer_the_old_value_GetChange_is_only_a_safety_net()
    {
        var d = InsyncSchedule.Next(Change(lastPoll: 10, hinted: true), 1, 3)!.Value;
        Assert.Equal(15, At(d), 3);
        Assert.StartsWith("safety net", d.Rule);
    }

    [Fact]
    public void When_the_name_servers_answer_the_new_value_GetChange_is_asked_at_once()
    {
        var d = InsyncSchedule.Next(Change(lastPoll: 10, hinted: true, hintSeen: 12.3), 1, 3)!.Value;
        Assert.Equal(12.3, At(d), 3);
        Assert.StartsWith("dns hint", d.Rule);
        // Once asked after the hint, a PENDING answer goes back to steady polling.
        Assert.Equal(13.3, At(InsyncSchedule.Next(Change(lastPoll: 12.5, hinted: true, hintSeen: 12.3), 1, 3)), 3);
    }

    [Fact]
    public void The_last_look_is_at_the_end_of_the_seed_budget_and_nothing_comes_after_it()
    {
        var d = InsyncSchedule.Next(Change(lastPoll: 99.5), 1, 3)!.Value;
        Assert.Equal(100, At(d), 3);
        Assert.StartsWith("deadline", d.Rule);
        Assert.Null(InsyncSchedule.Next(Change(lastPoll: 100), 1, 3));
    }

    /// <summary>A change that turns INSYNC at a given fake time; polls can be made to fail.</summary>
    private sealed class ScriptedChange(FakeTimeProvider time, double insyncAfter) : IRoute53Client
    {
        public List<double> PollTimes { get; } = new();
        public Func<int, Exception?> Fail { get; init; } = _ => null;
        public long CallCount => PollTimes.Count;

        public Task<ChangeInfo> GetChangeAsync(string changeId, CancellationToken cancellationToken = default)
        {
            double now = (time.GetUtcNow() - T0).TotalSeconds;
            lock (PollTimes) PollTimes.Add(now);
            if (Fail(PollTimes.Count) is { } e) throw e;
            return Task.FromResult(new ChangeInfo(changeId, now >= insyncAfter ? ChangeStatus.INSYNC : ChangeStatus.PENDING, T0, null));
        }

        public Task<HostedZonePage> ListHostedZonesAsync(string? marker = null, int? maxItems = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<HostedZonesByNamePage> ListHostedZonesByNameAsync(string? dnsName = null, string? hostedZoneId = null, int? maxItems = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<HostedZone> GetHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<RecordSetPage> ListResourceRecordSetsAsync(string hostedZoneId, string? startRecordName = null, string? startRecordType = null, string? startRecordIdentifier = null, int? maxItems = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<ChangeInfo> ChangeResourceRecordSetsAsync(string hostedZoneId, IReadOnlyList<Change> changes, string? comment = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<(HostedZone Zone, ChangeInfo Change)> CreateHostedZoneAsync(string name, string callerReference, string? comment = null, bool privateZone = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<ChangeInfo> DeleteHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    private sealed class FakeHint(FakeTimeProvider time, double visibleAfter) : IInsyncHint
    {
        public string Description => "fake name servers";
        public Task<bool?> ShowsNewValueAsync(CancellationToken cancellationToken) => Task.FromResult<bool?>((time.GetUtcNow() - T0).TotalSeconds >= visibleAfter);
    }

    /// <summary>
    /// Moves the fake clock in 10 ms steps until the task ends, each step once the follower waits for the clock (so the
    /// test does not depend on how busy the machine is); 30 s of real time at most.
    /// </summary>
    private static async Task<T> RunAsync<T>(FakeTimeProvider time, ChangeFollower follower, Task<T> task)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            while (!follower.IsIdle && !task.IsCompleted && DateTime.UtcNow < deadline) await Task.Yield();
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
        Assert.True(task.IsCompleted, "the follower did not finish within 30 s of real time");
        return await task;
    }

    private static FollowRequest Request(IRoute53Client client, IInsyncHint? hint = null, int tries = 5) => new()
    {
        Client = client,
        ChangeId = "C1",
        Interval = TimeSpan.FromSeconds(20),
        TryCount = tries,
        Hint = hint,
    };

    [Fact]
    public async Task A_change_that_turns_INSYNC_is_seen_within_a_second()
    {
        var time = new FakeTimeProvider(T0);
        var change = new ScriptedChange(time, 3.3);
        var follower = new ChangeFollower(time);
        var result = await RunAsync(time, follower, follower.FollowAsync(Request(change), default));
        Assert.True(result.InSync);
        Assert.InRange(result.Elapsed.TotalSeconds, 3.3, 3.3 + 0.8 + 0.1);
        Assert.Equal(change.PollTimes.Count, result.Polls);
    }

    [Fact]
    public async Task A_change_still_PENDING_at_the_end_of_the_budget_is_reported_so_with_a_last_look_at_the_deadline()
    {
        var time = new FakeTimeProvider(T0);
        var change = new ScriptedChange(time, 1000);
        var follower = new ChangeFollower(time);
        var result = await RunAsync(time, follower, follower.FollowAsync(Request(change, tries: 1), default));
        Assert.False(result.InSync);
        Assert.Equal(ChangeStatus.PENDING, result.LastStatus);
        Assert.InRange(change.PollTimes[^1], 20, 20.1);
        Assert.InRange(change.PollTimes.Count, 20, 26); // about one a second, within the 20 s budget
    }

    [Fact]
    public async Task Throttled_polls_back_off_so_a_storm_costs_a_handful_of_requests()
    {
        var time = new FakeTimeProvider(T0);
        var change = new ScriptedChange(time, 1000)
        {
            Fail = _ => new ThrottlingException("GetChange", "Throttling", "Rate exceeded", null, HttpStatusCode.BadRequest),
        };
        var follower = new ChangeFollower(time);
        var result = await RunAsync(time, follower, follower.FollowAsync(Request(change), default));
        Assert.False(result.InSync);
        // 0.8, then 1, 2, 4, 8, 16, 20, 20, 20 s apart, and the deadline: ten requests in 100 s, not 50.
        Assert.InRange(change.PollTimes.Count, 8, 11);
    }

    [Fact]
    public async Task With_a_DNS_hint_GetChange_is_asked_the_moment_the_name_servers_answer_the_new_value()
    {
        var time = new FakeTimeProvider(T0);
        var change = new ScriptedChange(time, 42.0);
        var follower = new ChangeFollower(time);
        var rules = new List<string>();
        var result = await RunAsync(time, follower, follower.FollowAsync(Request(change, new FakeHint(time, 42.0)) with { OnPoll = p => rules.Add(p.Rule) }, default));
        Assert.True(result.InSync);
        Assert.True(result.Elapsed.TotalSeconds is >= 42.0 and <= 42.35, string.Join("; ", change.PollTimes.Zip(rules, (t, r) => $"{t:0.00} {r}")));
        // Before the hint, only the safety net asked: every 5 s, not every second.
        Assert.True(change.PollTimes.Count is >= 8 and <= 10, string.Join("; ", rules.Take(5)));
    }

    [Fact]
    public async Task Ten_pending_changes_together_stay_within_the_followers_share_of_the_budget()
    {
        var time = new FakeTimeProvider(T0);
        var follower = new ChangeFollower(time);
        var changes = Enumerable.Range(0, 10).Select(_ => new ScriptedChange(time, 30)).ToList();
        var all = Task.WhenAll(changes.Select(c => follower.FollowAsync(Request(c), default)));
        var results = await RunAsync(time, follower, all);
        Assert.All(results, r => Assert.True(r.InSync));
        var times = changes.SelectMany(c => c.PollTimes).Where(t => t < 30).ToList();
        // 3 GetChange calls a second (60 % of 5) for all ten together, give or take a poll.
        Assert.InRange(times.Count / 30.0, 2.5, 3.3);
    }

    [Fact]
    public async Task A_change_Route53_does_not_know_ends_the_wait_with_that_error_at_once()
    {
        var time = new FakeTimeProvider(T0);
        var change = new ScriptedChange(time, 1000) { Fail = _ => new NoSuchChangeException("GetChange", "no such change", null, HttpStatusCode.NotFound) };
        var follower = new ChangeFollower(time);
        await Assert.ThrowsAsync<NoSuchChangeException>(() => RunAsync(time, follower, follower.FollowAsync(Request(change), default)));
        Assert.Single(change.PollTimes);
    }

    [Fact]
    public async Task Cancelling_a_wait_stops_following_that_change_only()
    {
        var time = new FakeTimeProvider(T0);
        var follower = new ChangeFollower(time);
        using var cts = new CancellationTokenSource();
        var cancelled = follower.FollowAsync(Request(new ScriptedChange(time, 1000)), cts.Token);
        var other = follower.FollowAsync(Request(new ScriptedChange(time, 2)), default);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.True((await RunAsync(time, follower, other)).InSync);
        Assert.Equal(0, follower.PendingCount);
    }
}
