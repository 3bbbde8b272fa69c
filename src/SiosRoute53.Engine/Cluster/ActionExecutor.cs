using System.Threading.Channels;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;

namespace SiosRoute53.Cluster;

/// <summary>
/// Runs the planner's actions, one at a time, on its own loop: observation (heartbeats, the peer table, quorum)
/// never waits on a restore, an INSYNC wait or a handover. Resource operations from any source (planned actions,
/// a peer's switchover request, the check loop) go through one lock; fencing cancels a check or a takeover in
/// progress rather than waiting behind it. The executor is the only writer of <see cref="AgentMemory"/>.
/// </summary>
public sealed class ActionExecutor
{
    private readonly ResourceManager _manager;
    private readonly Func<ClusterSettings> _settings;
    private readonly ClusterEvents _events;
    private readonly TimeProvider _time;
    private readonly Kits.KitEnvironment _environment;
    private readonly Channel<PlannedAction> _queue = Channel.CreateUnbounded<PlannedAction>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _operations = new(1, 1);
    private readonly object _write = new();
    private readonly Dictionary<string, string> _lastDecision = new(StringComparer.OrdinalIgnoreCase);
    private AgentMemory _memory = AgentMemory.Empty;
    private CancellationTokenSource? _cancellable;

    /// <summary>Sends a heartbeat round now (after the memory changed) and waits for it, bounded by the heartbeat timeout.</summary>
    public Func<CancellationToken, Task> Announce { get; set; } = _ => Task.CompletedTask;

    /// <summary>Asks the next node by priority to take a hierarchy over.</summary>
    public Func<string, string, CancellationToken, Task> HandOver { get; set; } = (_, _, _) => Task.CompletedTask;

    public ActionExecutor(ResourceManager manager, Func<ClusterSettings> settings, ClusterEvents events, Kits.KitEnvironment environment)
    {
        _manager = manager;
        _settings = settings;
        _events = events;
        _environment = environment;
        _time = environment.Time;
    }

    public AgentMemory Memory => Volatile.Read(ref _memory);

    private void Remember(Func<AgentMemory, AgentMemory> change)
    {
        lock (_write) Volatile.Write(ref _memory, change(_memory));
    }

    private OperationOptions Options(bool force = false) => new() { Force = force, Log = _events.Log };

    /// <summary>Takes a plan: decisions not to act are recorded once per change; actions are queued, never awaited.</summary>
    public void Post(IReadOnlyList<PlannedAction> plan)
    {
        foreach (var action in plan)
        {
            switch (action.Kind)
            {
                case PlanKind.Hold:
                    Decided(action, "held");
                    break;
                case PlanKind.Settle:
                    Remember(m => m with { Settled = true });
                    break;
                case PlanKind.ForgetFenced:
                    Remember(m => m with { Fenced = m.Fenced.Remove(action.Tag!) });
                    _events.Record(action.Tag, "quorum", "restored", $"'{action.Peer}' has '{action.Tag}' in service again; this node no longer holds it as fenced.", rule: action.Rule);
                    break;
                default:
                    if (action.Tag is not null) Remember(m => m with { Busy = m.Busy.Add(action.Tag) });
                    if (action.Kind == PlanKind.FenceCommand) Remember(m => m with { FenceCommandRun = true });
                    _queue.Writer.TryWrite(action);
                    break;
            }
        }
    }

    /// <summary>Quorum is back: a fence command may run again at the next loss; a fenced hierarchy waits a dead time from now (rule 2).</summary>
    public void QuorumRegained() => Remember(m => m with { FenceCommandRun = false, QuorumBackAt = _time.GetUtcNow() });

    /// <summary>Quorum is lost: a check round or a takeover in progress is cancelled (it may wait on Route 53 this node can no longer reach).</summary>
    public void QuorumLost() => CancelCancellable();

    /// <summary>Records a decision not to act when it differs from the last one recorded for that hierarchy.</summary>
    private void Decided(PlannedAction action, string outcome)
    {
        string key = action.Tag ?? "";
        string signature = action.Rule + "|" + action.Reason;
        lock (_lastDecision)
        {
            if (_lastDecision.TryGetValue(key, out var last) && last == signature) return;
            _lastDecision[key] = signature;
        }
        _events.Record(action.Tag, "failover", outcome, action.Reason, rule: action.Rule);
    }

    private void CancelCancellable()
    {
        try { Volatile.Read(ref _cancellable)?.Cancel(); } catch (ObjectDisposedException) { }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var action in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            try { await ExecuteAsync(action, cancellationToken); }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _events.Fault("executor", e);
            }
            finally
            {
                if (action.Tag is not null) Remember(m => m with { Busy = m.Busy.Remove(action.Tag) });
            }
        }
    }

    private async Task ExecuteAsync(PlannedAction action, CancellationToken cancellationToken)
    {
        string root = action.Tag ?? "";
        lock (_lastDecision) _lastDecision.Remove(root);
        switch (action.Kind)
        {
            case PlanKind.Fence:
            {
                _events.Record(root, "quorum", "fence", action.Reason, rule: action.Rule);
                var result = await ExclusiveAsync(ct => _manager.StopHierarchyAsync(root, Options(), ct), cancellable: false, cancellationToken);
                if (result.Succeeded) Remember(m => m with { Fenced = m.Fenced.Add(root) });
                _events.Record(root, "quorum", result.Succeeded ? "fenced" : "failed", result.Message, result.Duration, action.Rule);
                await Announce(cancellationToken);
                break;
            }
            case PlanKind.FenceCommand:
            {
                var s = _settings();
                string command = s.QuorumLossAction == QuorumLossAction.Fastkill ? s.FastkillCommand : s.FastbootCommand;
                _events.Record(null, "quorum", "fence", $"{action.Reason} Running '{command}'.", rule: action.Rule);
                await _environment.Commands.RunAsync(command, TimeSpan.FromSeconds(30), cancellationToken);
                break;
            }
            case PlanKind.StandDown:
            {
                string kind = action.Rule == PlannerRule.StandByAfterRestart ? "reconcile" : "failover";
                _events.Record(root, kind, "standby", action.Reason, rule: action.Rule);
                var result = await ExclusiveAsync(ct => _manager.StopHierarchyAsync(root, Options(), ct), cancellable: false, cancellationToken);
                _events.Record(root, kind, result.Succeeded ? "stood-down" : "failed", result.Message, result.Duration, action.Rule);
                await Announce(cancellationToken);
                break;
            }
            case PlanKind.TakeOver:
            {
                _events.Record(root, "failover", "started", action.Reason, rule: action.Rule);
                HaOperationResult result;
                OwnershipMark.GenerationClaim claim;
                try { (result, claim) = await ClaimAsync(root, action.Generation, cancellable: true, cancellationToken, force: false); }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _events.Record(root, "failover", "cancelled", $"Taking '{root}' over was cancelled: this node lost quorum meanwhile.", rule: PlannerRule.FenceOnQuorumLoss);
                    break;
                }
                _events.Record(root, "failover", result.Succeeded ? "success" : "failed", result.Message, result.Duration, action.Rule);
                if (result.Succeeded) break;
                var failure = Classify(result);
                // The record's mark names the very node this one takes over from, with a generation it had not heard
                // (it died before its heartbeat said so, or an operator's start wrote it): claim a newer one at once.
                if (failure == FailureKind.Lost && claim.RefusedBy is { } mark && mark.Node.Equals(action.Peer, StringComparison.OrdinalIgnoreCase))
                {
                    _events.Record(root, "failover", "retry", $"The record's mark of '{root}' names '{mark.Node}' with generation {mark.Generation}, newer than this node knew: taking it over again with a newer one.", rule: action.Rule);
                    break;
                }
                int count = (Memory.Attempts.GetValueOrDefault(root)?.Count ?? 0) + 1;
                Remember(m => m with { Attempts = m.Attempts.SetItem(root, new TakeoverAttempt(count, _time.GetUtcNow(), failure, result.Message)) });
                if (failure == FailureKind.Local)
                {
                    _events.Record(root, "failover", "handover", $"'{root}' failed on this node's own resources; asking the next node by priority.", rule: PlannerRule.HandOverAfterLocalFailure);
                    await HandOver(root, $"failover to this node failed: {result.Message}", cancellationToken);
                }
                break;
            }
            default:
                throw new InvalidOperationException($"The executor has no case for {action.Kind}.");
        }
    }

    /// <summary>How an operation failed: by the kind of the resource that failed and the manager's outcome, never by message text.</summary>
    public FailureKind Classify(HaOperationResult result)
    {
        var failed = result.Steps.FirstOrDefault(s => s.Outcome is "failed" or "lost" or "cancelled");
        if (failed is null) return FailureKind.Local;
        if (failed.Outcome == "lost") return FailureKind.Lost;
        return _manager.State().Find(failed.Tag)?.Kind == ResourceKind.Route53 ? FailureKind.Route53 : FailureKind.Local;
    }

    /// <summary>
    /// Brings a hierarchy in service here under ownership generation <paramref name="generation"/>: the claim is
    /// announced to the peers first (so a death from now on is taken over), the record's mark carries the
    /// generation (a stale claim loses the compare-and-swap), and the result is announced at once.
    /// </summary>
    public async Task<HaOperationResult> RestoreAsync(string root, long generation, bool cancellable, CancellationToken cancellationToken, bool force = false,
        IReadOnlyDictionary<string, string>? tunables = null) =>
        (await ClaimAsync(root, generation, cancellable, cancellationToken, force, tunables)).Result;

    private async Task<(HaOperationResult Result, OwnershipMark.GenerationClaim Claim)> ClaimAsync(string root, long generation, bool cancellable, CancellationToken cancellationToken, bool force,
        IReadOnlyDictionary<string, string>? tunables = null)
    {
        // Kept before anything moves: a node that restarts never claims a generation it may already have written.
        KeepGeneration(root, generation);
        Remember(m => m with { Restoring = m.Restoring.Add(root) });
        OwnershipMark.GenerationClaim? used = null;
        try
        {
            await Announce(cancellationToken);
            var result = await ExclusiveAsync(async ct =>
            {
                using var claim = used = OwnershipMark.ClaimGeneration(generation);
                try { return await _manager.StartAsync(root, Options(force) with { Tunables = tunables }, ct); }
                finally
                {
                    // What the mark got, or the newer generation of another node's mark that refused the claim: the
                    // node's next claim is above both.
                    if (claim.Written is { } written) KeepGeneration(root, written);
                    if (claim.RefusedBy is { } refused) KeepGeneration(root, refused.Generation);
                }
            }, cancellable, cancellationToken);
            if (result.Succeeded) Remember(m => m with { Attempts = m.Attempts.Remove(root), Fenced = m.Fenced.Remove(root) });
            return (result, used!);
        }
        finally
        {
            Remember(m => m with { Restoring = m.Restoring.Remove(root) });
            try { await Announce(cancellationToken); }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>
    /// Rule 4 across restarts: raises this node's generation for <paramref name="root"/> to <paramref name="generation"/>
    /// (never lowers it), in memory and in the node's state store, so a restarted agent starts from the newest
    /// generation it claimed, wrote or met in the record's mark.
    /// </summary>
    public void KeepGeneration(string root, long generation)
    {
        if (generation <= Memory.GenerationOf(root)) return;
        Remember(m => m with { Generations = m.Generations.SetItem(root, Math.Max(generation, m.GenerationOf(root))) });
        _manager.Store.Update(s => s.KeepGeneration(root, generation));
    }

    /// <summary>
    /// Takes in the generations the node's state keeps: at start (what it kept before it restarted), and every round
    /// (what an operator's Start-HaResource on this node wrote in the record's mark meanwhile).
    /// </summary>
    public void Load(NodeState state)
    {
        if (state.Generations.All(g => g.Value <= Memory.GenerationOf(g.Key))) return;
        Remember(m => m with { Generations = state.Generations.Aggregate(m.Generations, (all, g) => all.SetItem(g.Key, Math.Max(g.Value, all.GetValueOrDefault(g.Key)))) });
    }

    /// <summary>The next generation for a hierarchy this node is asked to bring in service (a switchover or a handover).</summary>
    public long NextGeneration(string root, PeerSnapshot peers) => ClusterPlanner.NextGeneration(Memory, peers, root);

    /// <summary>Takes a hierarchy out of service here because the agent is stopping cleanly; once out, heartbeats report it released.</summary>
    public async Task<HaOperationResult> ReleaseAsync(string root, CancellationToken cancellationToken)
    {
        var result = await RemoveAsync(root, cancellationToken);
        if (result.Succeeded) Remember(m => m with { Released = m.Released.Add(root) });
        return result;
    }

    /// <summary>Takes a hierarchy out of service here at a peer's request (a switchover).</summary>
    public Task<HaOperationResult> RemoveAsync(string root, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? tunables = null) =>
        ExclusiveAsync(ct => _manager.StopHierarchyAsync(root, Options() with { Tunables = tunables }, ct), cancellable: false, cancellationToken);

    /// <summary>
    /// Runs one resource operation at a time. A cancellable one (a check round, a takeover) is cancelled by fencing,
    /// which must not wait behind a Route 53 call this node may no longer be able to make.
    /// </summary>
    public async Task<T> ExclusiveAsync<T>(Func<CancellationToken, Task<T>> operation, bool cancellable, CancellationToken cancellationToken)
    {
        await _operations.WaitAsync(cancellationToken);
        using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (cancellable) Volatile.Write(ref _cancellable, round);
        try { return await operation(round.Token); }
        finally
        {
            if (cancellable) Volatile.Write(ref _cancellable, null);
            _operations.Release();
        }
    }
}
