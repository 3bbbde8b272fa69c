using System.Diagnostics;
using SiosRoute53.Kits;
using SiosRoute53.Model;

namespace SiosRoute53.Hierarchy;

/// <summary>What one kind of step does to a resource's state when it succeeds, fails or is cancelled.</summary>
internal sealed record StepKind(string Action, ResourceState Success, string SuccessReason, string FailurePrefix, string CancelledReason, bool ReasonHasResult = false)
{
    /// <summary>The reason of a resource an operator's stop took cleanly out of service, and of one just created.</summary>
    public const string StoppedReason = "taken out of service", CreatedReason = "created";

    public static readonly StepKind Restore = new(EventActions.Restore, ResourceState.ISP, "restored", "",
        "Cancelled by the operator during restore; the resource may be partly in service. Start it again, or stop it.");

    public static readonly StepKind Remove = new(EventActions.Remove, ResourceState.OSU, StoppedReason, "",
        "Cancelled by the operator during remove; check the resource and stop it again.");

    public static readonly StepKind Rollback = new(EventActions.Rollback, ResourceState.OSU, "rolled back after a failed start", "rollback failed: ",
        "rollback did not finish in time; check the resource and stop it.");

    public static readonly StepKind Recover = new(EventActions.Recover, ResourceState.ISP, "recovered", "recovery failed: ",
        "Cancelled during recovery; check the resource and start it again.", ReasonHasResult: true);
}

/// <summary>How a step ended.</summary>
internal sealed record StepResult(bool Succeeded, KitResult? Result, Exception? Error, string Message)
{
    public bool Cancelled => Error is OperationCanceledException;
}

/// <summary>
/// Runs the steps of one operation over resources it has leased: times each kit action, writes the resource's new
/// state once per transition (the last one also releases the leases), and records the step and its event. Any
/// exception a kit throws ends in the failure path (failed state, step, event): a domain error with its message, a bug
/// as what it is. Nothing a kit does can leave a resource's state behind what happened.
/// </summary>
internal sealed class StepRunner
{
    private readonly HierarchyServices _services;
    private readonly List<string> _leased;
    private readonly object _gate = new();
    private bool _released;
    private int _remaining = int.MaxValue;
    private bool _holdLeases;

    private StepRunner(HierarchyServices services, NodeState state, List<string> leased)
    {
        _services = services;
        _state = state;
        _leased = leased;
    }

    /// <summary>The state as this runner last wrote it (the resources' states after each step).</summary>
    public NodeState State
    {
        get { lock (_gate) return _state; }
        private set { lock (_gate) _state = value; }
    }

    private NodeState _state;

    /// <summary>The steps so far, in the order they started.</summary>
    public IReadOnlyList<HaStep> Steps
    {
        get { lock (_gate) return _steps.OrderBy(s => s.Order).Select(s => s.Step).ToList(); }
    }

    private readonly List<(int Order, HaStep Step)> _steps = new();
    private int _started;

    /// <summary>
    /// In one write: clears stale leases, picks the resources with <paramref name="select"/> on the current state, and
    /// leases them to this process for <paramref name="action"/>.
    /// </summary>
    public static StepRunner Lease(HierarchyServices services, Func<NodeState, List<string>> select, string action)
    {
        var (state, tags, cleared) = services.Store.Update(current =>
        {
            var (clean, stale) = Leases.ClearStale(current);
            var tags = select(clean);
            var next = Leases.Take(clean, tags, action, services.Time.GetUtcNow());
            return (next, (next, tags, stale));
        });
        services.Saw(state);
        foreach (var tag in cleared)
            services.Events.Record(tag, EventActions.Lease, EventOutcomes.Cleared, $"Cleared the lease of a process that no longer runs on '{tag}'.");
        return new StepRunner(services, state, tags);
    }

    public IReadOnlyList<string> Leased => _leased;

    public void Skip(string tag, string action, string message) => AddStep(Interlocked.Increment(ref _started), new HaStep { Tag = tag, Action = action, Outcome = EventOutcomes.Skipped, Message = message });

    /// <summary>
    /// Says how many transitions the steps about to run will write: the last of them also releases the leases, so a
    /// whole operation writes the state once for the lease and once per transition. A failure holds the leases
    /// until the next <see cref="ExpectTransitions"/> (the rollback) or <see cref="Finish"/>.
    /// </summary>
    public void ExpectTransitions(int count)
    {
        lock (_gate)
        {
            _remaining = count;
            _holdLeases = false;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> as a <paramref name="kind"/> step on <paramref name="tag"/>; steps of one runner may
    /// run at the same time (a parent's restore while a child's change is followed to INSYNC).
    /// </summary>
    public async Task<StepResult> RunAsync(StepKind kind, string tag, Func<Task<KitResult>> action)
    {
        var watch = Stopwatch.StartNew();
        int order = Interlocked.Increment(ref _started);
        try
        {
            var result = await action();
            string reason = kind.ReasonHasResult ? $"{kind.SuccessReason}: {result.Message}" : kind.SuccessReason;
            Transition(tag, kind.Success, reason, failed: false, kind);
            AddStep(order, new HaStep { Tag = tag, Action = kind.Action, Outcome = EventOutcomes.Success, Message = result.Message, Duration = watch.Elapsed, ApiCalls = result.ApiCalls });
            _services.Events.Record(tag, kind.Action, EventOutcomes.Success, result.Message, watch.Elapsed, result.ApiCalls);
            return new StepResult(true, result, null, result.Message);
        }
        catch (Exception e)
        {
            bool cancelled = e is OperationCanceledException;
            string reason = Store.EventLog.Redact(cancelled ? kind.CancelledReason : kind.FailurePrefix + Describe(e));
            // A node that lost the record to another node of its cluster stands down: out of service, unimpaired.
            Transition(tag, e is OwnershipLostException ? ResourceState.OSU : ResourceState.OSF, reason, failed: true, kind);
            string outcome = cancelled ? EventOutcomes.Cancelled : e is OwnershipLostException ? EventOutcomes.Lost : EventOutcomes.Failed;
            int calls = (e as ResourceActionException)?.ApiCalls ?? 0;
            AddStep(order, new HaStep { Tag = tag, Action = kind.Action, Outcome = outcome, Message = reason, Duration = watch.Elapsed, ApiCalls = calls });
            _services.Events.Record(tag, kind.Action, outcome, reason, watch.Elapsed, calls);
            return new StepResult(false, null, e, reason);
        }
    }

    /// <summary>What went wrong, for the state's reason and the history: a domain error says it; anything else is a bug.</summary>
    public static string Describe(Exception e) => e switch
    {
        HaException => e.Message,
        Route53.Route53Exception or Aws.AwsConfigurationException => e.Message,
        OperationCanceledException => "cancelled",
        _ => $"unexpected {e.GetType().Name}: {e.Message} (this is a bug in SiosRoute53; please report it with Get-HaEvent's output)",
    };

    /// <summary>Releases this operation's leases if no step has yet (an operation that ran no step, or ended early).</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_released) return;
            _released = true;
        }
        var state = _services.Store.Update(s => { var next = Leases.Release(s, _leased); return (next, next); });
        lock (_gate) State = state;
    }

    private void AddStep(int order, HaStep step)
    {
        lock (_gate) _steps.Add((order, step));
    }

    private void Transition(string tag, ResourceState value, string reason, bool failed, StepKind kind)
    {
        bool release;
        lock (_gate)
        {
            // A failed step (but a rollback) keeps the leases for what comes after it.
            if (failed && kind != StepKind.Rollback) _holdLeases = true;
            release = --_remaining == 0 && !_holdLeases && !_released;
            if (release) _released = true;
        }
        var now = _services.Time.GetUtcNow();
        // The ownership generation a restored record's mark got is kept with the transition (cluster rule 4).
        long? generation = !failed && kind == StepKind.Restore ? OwnershipMark.CurrentClaim?.Written : null;
        var state = _services.Store.Update(s =>
        {
            var next = s.Find(tag) is null ? s : s.WithStatus(s.StatusOf(tag, s.NodeName) with { State = value, Reason = reason, Since = now });
            if (generation is { } written) next = HierarchyGraph.Of(next).RootsAbove(tag).Aggregate(next, (kept, root) => kept.KeepGeneration(root, written));
            if (release) next = Leases.Release(next, _leased);
            return (next, next);
        });
        lock (_gate) State = state;
    }
}
