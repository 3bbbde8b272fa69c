namespace SiosRoute53.Route53;

/// <summary>Tells whether the new value of a change is already visible in DNS, at no cost in API budget.</summary>
public interface IInsyncHint
{
    /// <summary>What is asked, for the log ("app.corp.example. A 10.0.1.10 at 10.0.0.2:53").</summary>
    string Description { get; }

    /// <summary>True when every server asked answers the new value, false while any answers otherwise, null when they cannot be asked.</summary>
    Task<bool?> ShowsNewValueAsync(CancellationToken cancellationToken);
}

/// <summary>One look at a change: when, what it said, and the rule that chose the moment.</summary>
public sealed record InsyncPoll(TimeSpan Elapsed, TimeSpan Budget, ChangeStatus Status, string Rule, string? Failure);

/// <summary>
/// The result of following a change: whether it reached INSYNC, after how long and how many polls, and why the last poll
/// failed when it did (Throttling, Transport …).
/// </summary>
public sealed record InsyncResult(bool InSync, TimeSpan Elapsed, int Polls, ChangeStatus LastStatus, string? LastFailure = null);

/// <summary>How to follow one change.</summary>
public sealed record FollowRequest
{
    public required IRoute53Client Client { get; init; }
    public required string ChangeId { get; init; }

    /// <summary>ROUTE53_CHANGEID_INTERVAL.</summary>
    public required TimeSpan Interval { get; init; }

    /// <summary>ROUTE53_CHANGEID_TRY_COUNT; with the interval, the budget.</summary>
    public required int TryCount { get; init; }

    /// <summary>The node's request budget (ROUTE53_REQUESTS_PER_SECOND); the follower uses part of it.</summary>
    public double RequestsPerSecond { get; init; } = 5;

    public IInsyncHint? Hint { get; init; }
    public Action<InsyncPoll>? OnPoll { get; init; }
}

/// <summary>
/// Follows every pending Route 53 change of this process to INSYNC, one GetChange at a time, on a part of the node's
/// request budget (<see cref="ShareOfBudget"/>), the rest left to reads, writes and checks. Which change to ask about
/// next, and when, is <see cref="InsyncSchedule"/>'s decision; a failed poll is not retried here but backed off by the
/// schedule (the client tries GetChange once). DNS hints run beside it and wake it when the new value shows.
/// </summary>
public sealed class ChangeFollower
{
    /// <summary>The part of the node's requests per second that GetChange polls may take together.</summary>
    public const double ShareOfBudget = 0.6;

    /// <summary>GetChange calls per second while the node calms down after a Throttling answer (its budget allows one a second).</summary>
    public const double CalmingPollsPerSecond = 0.6;

    /// <summary>The longest the follower sleeps without deciding again (the budget may have calmed down, changes may have ended).</summary>
    public static readonly TimeSpan LongestSleep = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly List<Entry> _pending = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private Task? _sleepingOn;
    private Task? _sleepingDelay;
    private readonly List<Task> _hintWaits = new();
    private DateTimeOffset? _lastPoll;

    public ChangeFollower(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>The follower of this process: every kit action and every cmdlet share it.</summary>
    public static ChangeFollower Shared { get; } = new();

    public int PendingCount
    {
        get { lock (_gate) return _pending.Count; }
    }

    /// <summary>
    /// True while the follower has nothing to do until its clock moves on: no change pending, or asleep until the next
    /// poll with nothing to wake it yet. Simulations on a fake clock advance it only then.
    /// </summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                bool hintsWaiting = _hintWaits.All(t => !t.IsCompleted);
                return hintsWaiting && (_loop is null ||
                    (_sleepingOn is { IsCompleted: false } && _sleepingDelay is { IsCompleted: false } && !_wake.Task.IsCompleted));
            }
        }
    }

    private sealed class Entry(FollowRequest request, FollowedChange state, CancellationToken cancellationToken)
    {
        public FollowRequest Request { get; } = request;
        public FollowedChange State { get; set; } = state;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource<InsyncResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Polls;
        public ChangeStatus Status = ChangeStatus.PENDING;
        public string? LastFailure;
    }

    /// <summary>Follows one change until INSYNC or until its budget is spent.</summary>
    public async Task<InsyncResult> FollowAsync(FollowRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Interval <= TimeSpan.Zero || request.TryCount < 1)
            throw new ArgumentOutOfRangeException(nameof(request), "ROUTE53_CHANGEID_INTERVAL and ROUTE53_CHANGEID_TRY_COUNT must be positive.");
        var now = _time.GetUtcNow();
        var entry = new Entry(request, new FollowedChange
        {
            Started = now,
            Deadline = now + request.Interval * request.TryCount,
            Interval = request.Interval,
            Hinted = request.Hint is not null,
        }, cancellationToken);
        lock (_gate)
        {
            _pending.Add(entry);
            _loop ??= Task.Run(RunAsync);
            Wake();
        }
        using var hints = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var hintLoop = request.Hint is null ? Task.CompletedTask : WatchHintAsync(entry, request.Hint, hints.Token);
        try
        {
            using (cancellationToken.Register(() => { lock (_gate) Wake(); }))
                return await entry.Done.Task.ConfigureAwait(false);
        }
        finally
        {
            hints.Cancel();
            try { await hintLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Asks the name servers every <see cref="InsyncSchedule.HintPeriod"/> until they answer the new value.</summary>
    private async Task WatchHintAsync(Entry entry, IInsyncHint hint, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            bool? shows;
            try { shows = await hint.ShowsNewValueAsync(cancellationToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { throw; }
            catch (Exception) { shows = null; }
            if (shows is null)
            {
                // The name servers cannot be asked from here: follow by GetChange alone.
                lock (_gate) { entry.State = entry.State with { Hinted = false }; Wake(); }
                return;
            }
            if (shows == true)
            {
                lock (_gate) { entry.State = entry.State with { HintSeenAt = _time.GetUtcNow() }; Wake(); }
                return;
            }
            var pause = Task.Delay(InsyncSchedule.HintPeriod, _time, cancellationToken);
            lock (_gate) _hintWaits.Add(pause);
            try { await pause.ConfigureAwait(false); }
            finally { lock (_gate) _hintWaits.Remove(pause); }
        }
    }

    private void Wake() => _wake.TrySetResult();

    private async Task RunAsync()
    {
        try
        {
            await FollowAllAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A bug here must not leave a restore waiting forever: every waiter gets the error.
            lock (_gate)
            {
                foreach (var entry in _pending) entry.Done.TrySetException(new InvalidOperationException("The INSYNC follower failed.", e));
                _pending.Clear();
                _loop = null;
            }
        }
    }

    private async Task FollowAllAsync()
    {
        while (true)
        {
            Entry? next = null;
            PollDecision decision = default;
            Task woken;
            lock (_gate)
            {
                foreach (var cancelled in _pending.Where(e => e.CancellationToken.IsCancellationRequested).ToList())
                {
                    _pending.Remove(cancelled);
                    cancelled.Done.TrySetCanceled(cancelled.CancellationToken);
                }
                if (_pending.Count == 0)
                {
                    _loop = null;
                    return;
                }
                foreach (var entry in _pending)
                {
                    var rate = entry.Request.RequestsPerSecond * ShareOfBudget;
                    if ((entry.Request.Client as Route53Client)?.Budget?.IsCalming == true) rate = Math.Min(rate, CalmingPollsPerSecond);
                    rate = Math.Max(rate, 0.01);
                    if (InsyncSchedule.Next(entry.State, _pending.Count, rate) is not { } d)
                    {
                        // The deadline was looked at; the schedule has nothing more.
                        continue;
                    }
                    d = InsyncSchedule.Paced(d, _lastPoll, rate);
                    if (next is null || d.At < decision.At) (next, decision) = (entry, d);
                }
                foreach (var spent in _pending.Where(e => e.State.LastPoll >= e.State.Deadline).ToList())
                {
                    _pending.Remove(spent);
                    spent.Done.TrySetResult(Result(spent, inSync: false));
                }
                if (next is null) continue;
                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                woken = _wake.Task;
            }

            var wait = decision.At - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                using var stop = new CancellationTokenSource();
                var delay = Task.Delay(wait < LongestSleep ? wait : LongestSleep, _time, stop.Token);
                var first = Task.WhenAny(delay, woken);
                lock (_gate) (_sleepingOn, _sleepingDelay) = (first, delay);
                bool wokenFirst = await first.ConfigureAwait(false) == woken;
                lock (_gate) (_sleepingOn, _sleepingDelay) = (null, null);
                stop.Cancel();
                if (wokenFirst || wait > LongestSleep) continue; // something changed, or time to look again: decide again
            }
            await PollAsync(next, decision).ConfigureAwait(false);
        }
    }

    private async Task PollAsync(Entry entry, PollDecision decision)
    {
        string? failure = null;
        ChangeStatus status = entry.Status;
        try
        {
            status = (await entry.Request.Client.GetChangeAsync(entry.Request.ChangeId, entry.CancellationToken).ConfigureAwait(false)).Status;
        }
        catch (OperationCanceledException) when (entry.CancellationToken.IsCancellationRequested)
        {
            return; // the next round removes it
        }
        catch (Route53Exception e) when (e.IsRetryable)
        {
            failure = e.Code;
        }
        catch (Exception e)
        {
            // Not retryable (no such change, access denied): no later poll can answer otherwise.
            lock (_gate) _pending.Remove(entry);
            entry.Done.TrySetException(e);
            return;
        }
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _lastPoll = now;
            entry.Polls++;
            entry.Status = status;
            entry.LastFailure = failure;
            entry.State = entry.State with { LastPoll = now, Failures = failure is null ? 0 : entry.State.Failures + 1 };
            var elapsed = now - entry.State.Started;
            try { entry.Request.OnPoll?.Invoke(new InsyncPoll(elapsed, entry.State.Deadline - entry.State.Started, status, decision.Rule, failure)); }
            catch (Exception) { /* a progress callback never stops the follower */ }
            if (status == ChangeStatus.INSYNC || now >= entry.State.Deadline)
            {
                _pending.Remove(entry);
                entry.Done.TrySetResult(Result(entry, status == ChangeStatus.INSYNC));
            }
        }
    }

    private InsyncResult Result(Entry entry, bool inSync) =>
        new(inSync, (entry.State.LastPoll ?? _time.GetUtcNow()) - entry.State.Started, entry.Polls, entry.Status, entry.LastFailure);
}
