using System.Collections.Immutable;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;

namespace SiosRoute53.Cluster;

/// <summary>The rules the planner decides by; every event of a decision names one (Get-HaEvent's Rule column).</summary>
public static class PlannerRule
{
    /// <summary>Seed §5-1: without quorum, QUORUM_LOSS_ACTION (osu: out of service here; fastkill/fastboot: the command).</summary>
    public const string FenceOnQuorumLoss = "fence-on-quorum-loss";
    /// <summary>
    /// Rule 2: hierarchies fenced with osu come back on the best node by priority once quorum returns, and only once
    /// this node has had quorum for a full dead time and hears every node a live peer hears (an owner on the other
    /// side of the healed partition is heard before anything is restored).
    /// </summary>
    public const string RestoreAfterQuorum = "restore-after-quorum";
    /// <summary>A live owner's death: the next live node by priority with quorum takes its hierarchies over.</summary>
    public const string TakeOverFromDeadOwner = "takeover-dead-owner";
    /// <summary>Rule 3: a node that died after it announced it was bringing a hierarchy in service is taken over too.</summary>
    public const string TakeOverFromDeadRestorer = "takeover-dead-restorer";
    /// <summary>Rule 4: of two nodes in service, the one with the older ownership generation stands down.</summary>
    public const string StandDownStaleGeneration = "stand-down-stale-generation";
    /// <summary>
    /// A restarted agent whose node still marks a hierarchy in service stands by at once, before its first dead time,
    /// where a live peer owns it with an ownership generation at least as new as the one this node kept.
    /// </summary>
    public const string StandByAfterRestart = "standby-after-restart";
    /// <summary>Rule 1: a member that left cleanly is not lost: it does not vote, and what it still has in service is not taken over.</summary>
    public const string CleanLeave = "clean-leave";
    /// <summary>An agent stopped cleanly hands what it had in service to the next node by priority: it took it out of service first.</summary>
    public const string TakeOverAfterCleanStop = "takeover-after-clean-stop";
    /// <summary>WITNESS_MODE=remote_verify: another live member still hears the owner: no takeover.</summary>
    public const string WitnessVeto = "witness-veto";
    /// <summary>Only the best live node by priority takes a hierarchy over.</summary>
    public const string NextByPriority = "next-by-priority";
    /// <summary>Rule 7: a takeover that failed on Route 53 is retried here, with backoff, never handed back and forth.</summary>
    public const string RetryAfterRoute53Failure = "retry-after-route53-failure";
    /// <summary>
    /// Rule 7, the hierarchy in service nowhere: a node whose takeover failed on Route 53 keeps retrying it, paced like
    /// <see cref="RetryAfterRoute53Failure"/>, while no live node has the hierarchy in service or coming in service, even
    /// once the node it was taken from is alive again (that node stood down for this node's claim and has no reason to
    /// bring it back). Only while the failure still stands here (an operator's stop clears it) and no node has claimed a
    /// newer generation since.
    /// </summary>
    public const string RetryWhileNowhere = "retry-while-nowhere";
    /// <summary>A takeover that failed on this node's own resources goes to the next node by priority.</summary>
    public const string HandOverAfterLocalFailure = "handover-after-local-failure";
    /// <summary>Rule 9: an unexpected fault is an event and the loop goes on; a node that cannot observe stops answering.</summary>
    public const string LoopSurvivesFault = "loop-survives-fault";
    /// <summary>Rule 11: a configuration change made without quorum is refused.</summary>
    public const string ConfigurationNeedsQuorum = "configuration-needs-quorum";
}

public enum PlanKind
{
    /// <summary>Bring the hierarchy in service here with a new ownership generation.</summary>
    TakeOver,
    /// <summary>Take the hierarchy out of service here: quorum lost (QUORUM_LOSS_ACTION=osu).</summary>
    Fence,
    /// <summary>Run FASTKILL_COMMAND / FASTBOOT_COMMAND: quorum lost.</summary>
    FenceCommand,
    /// <summary>Take the hierarchy out of service here: another node owns it with a newer generation.</summary>
    StandDown,
    /// <summary>Forget that this node fenced the hierarchy: it is in service elsewhere.</summary>
    ForgetFenced,
    /// <summary>This node has heard its peers with quorum once since it started: it may check and reconcile.</summary>
    Settle,
    /// <summary>A decision not to act (defer to the witness, wait for a retry, not next by priority, a clean leave).</summary>
    Hold,
}

/// <summary>One decision: what to do (or not), to which hierarchy, by which rule, and why, in words for the history.</summary>
public sealed record PlannedAction(PlanKind Kind, string? Tag, string Rule, string Reason)
{
    /// <summary>For a takeover: the ownership generation it claims (higher than any known).</summary>
    public long Generation { get; init; }

    /// <summary>The peer the decision is about (the dead owner, the newer owner), when there is one.</summary>
    public string? Peer { get; init; }
}

/// <summary>How a takeover attempt failed, by where it failed (the kind of the failed resource), not by message text.</summary>
public enum FailureKind
{
    /// <summary>Route 53 could not be changed (outage, throttling, INSYNC not reached): retry here.</summary>
    Route53,
    /// <summary>This node's own resources (ip, service) would not come in service: hand over.</summary>
    Local,
    /// <summary>Another node of the cluster won the record: it is the owner.</summary>
    Lost,
}

public sealed record TakeoverAttempt(int Count, DateTimeOffset At, FailureKind Failure, string Message);

/// <summary>What the agent remembers of its own actions; written only by the executor, read by the planner as a snapshot.</summary>
public sealed record AgentMemory
{
    // Before Empty: static fields initialise in order, and Empty's sets need the comparer.
    private static readonly StringComparer Tags = StringComparer.OrdinalIgnoreCase;
    public static readonly AgentMemory Empty = new();

    /// <summary>Hierarchies with an action queued or running: not planned again until it ends.</summary>
    public ImmutableHashSet<string> Busy { get; init; } = ImmutableHashSet.Create<string>(Tags);

    /// <summary>Hierarchies this node is bringing in service (announced to the others before the record moves).</summary>
    public ImmutableHashSet<string> Restoring { get; init; } = ImmutableHashSet.Create<string>(Tags);

    /// <summary>This node's ownership generation per hierarchy.</summary>
    public ImmutableDictionary<string, long> Generations { get; init; } = ImmutableDictionary.Create<string, long>(Tags);

    /// <summary>Hierarchies this node took out of service because its agent is stopping cleanly: the next node by priority takes them over.</summary>
    public ImmutableHashSet<string> Released { get; init; } = ImmutableHashSet.Create<string>(Tags);

    /// <summary>Hierarchies this node took out of service because it lost quorum (osu).</summary>
    public ImmutableHashSet<string> Fenced { get; init; } = ImmutableHashSet.Create<string>(Tags);

    public ImmutableDictionary<string, TakeoverAttempt> Attempts { get; init; } = ImmutableDictionary.Create<string, TakeoverAttempt>(Tags);

    public bool FenceCommandRun { get; init; }

    /// <summary>Has heard its peers with quorum since it started (the first plan stands down where another node took over).</summary>
    public bool Settled { get; init; }

    /// <summary>When this node last regained quorum after losing it (null: it has not lost it since it started).</summary>
    public DateTimeOffset? QuorumBackAt { get; init; }

    public long GenerationOf(string tag) => Generations.GetValueOrDefault(tag);
}

/// <summary>Everything one decision sees, at one moment.</summary>
public sealed record PlannerInput
{
    public required string Self { get; init; }
    public required NodeState State { get; init; }
    public required PeerSnapshot Peers { get; init; }
    public required QuorumVerdict Quorum { get; init; }
    public required ClusterSettings Settings { get; init; }
    public AgentMemory Memory { get; init; } = AgentMemory.Empty;
    public required DateTimeOffset Now { get; init; }

    /// <summary>Heard long enough to judge liveness (the dead time has passed since the agent started).</summary>
    public bool Observed { get; init; } = true;
}

/// <summary>
/// The cluster's decisions as one pure function: (state, peers, quorum, settings, memory, clock) → actions. No I/O,
/// no clock of its own, no randomness: the same input gives the same plan, so every rule is a table test.
/// </summary>
public static class ClusterPlanner
{
    public static IReadOnlyList<PlannedAction> Plan(PlannerInput input)
    {
        var state = input.State;
        var me = state.Member(input.Self);
        if (me?.Role != MemberRole.Node) return Array.Empty<PlannedAction>();
        var plan = new List<PlannedAction>();
        var roots = Roots(state, input.Self).ToList();

        // Before a dead time has passed nothing is judged dead and quorum is not known: the only decision is the
        // restarted owner's, which needs neither (a live peer owns what this node's state still says it has).
        if (!input.Observed)
        {
            foreach (var root in roots.Where(r => !input.Memory.Busy.Contains(r) && InServiceHere(state, input.Self, r)))
                StandByIfOwnedElsewhere(input, root, plan);
            return plan;
        }

        if (!input.Quorum.Ok)
        {
            Fence(input, roots, plan);
            return plan;
        }
        if (!input.Memory.Settled) plan.Add(new PlannedAction(PlanKind.Settle, null, PlannerRule.StandByAfterRestart, $"Quorum ({input.Quorum.Reason}); peers heard."));

        foreach (var root in roots)
        {
            if (input.Memory.Busy.Contains(root)) continue;
            if (InServiceHere(state, input.Self, root)) StandDownIfStale(input, root, plan);
            else TakeOverIfOwnerless(input, root, plan);
        }
        return plan;
    }

    /// <summary>Hierarchy tops (resources nothing depends on) extended to <paramref name="node"/>.</summary>
    public static IEnumerable<string> Roots(NodeState state, string node) =>
        state.Resources.Where(r => !state.ParentsOf(r.Tag).Any() && r.Nodes.ContainsKey(node)).Select(r => r.Tag);

    private static bool InServiceHere(NodeState state, string self, string root) =>
        state.StatusOf(root, self).State is ResourceState.ISP or ResourceState.ISU;

    private static void Fence(PlannerInput input, List<string> roots, List<PlannedAction> plan)
    {
        string why = $"Quorum lost ({input.Quorum.Reason})";
        switch (input.Settings.QuorumLossAction)
        {
            case QuorumLossAction.Fastkill or QuorumLossAction.Fastboot:
                if (!input.Memory.FenceCommandRun)
                    plan.Add(new PlannedAction(PlanKind.FenceCommand, null, PlannerRule.FenceOnQuorumLoss, $"{why}; QUORUM_LOSS_ACTION={input.Settings.QuorumLossAction.ToString().ToLowerInvariant()}."));
                return;
            default:
                foreach (var root in roots.Where(r => !input.Memory.Busy.Contains(r) && InServiceHere(input.State, input.Self, r)))
                    plan.Add(new PlannedAction(PlanKind.Fence, root, PlannerRule.FenceOnQuorumLoss,
                        $"{why}; taking '{root}' out of service (QUORUM_LOSS_ACTION=osu). It comes back on the best node by priority when quorum returns.")
                    { Generation = input.Memory.GenerationOf(root) });
                return;
        }
    }

    /// <summary>
    /// The restart rule: this node's state says <paramref name="root"/> is in service, but the agent has just started
    /// (killed, restarted, rebooted): it stands by where a live peer owns the hierarchy with a generation at least as new
    /// as the one this node kept, and keeps it where its own generation is newer (that peer is the stale one).
    /// </summary>
    private static void StandByIfOwnedElsewhere(PlannerInput input, string root, List<PlannedAction> plan)
    {
        long mine = input.Memory.GenerationOf(root);
        var owner = input.Peers.Alive.Where(p => p.Report(root) is { Owns: true } r && r.Generation >= mine)
            .OrderByDescending(p => p.Report(root)!.Generation).ThenBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        if (owner is null) return;
        var theirs = owner.Report(root)!;
        plan.Add(new PlannedAction(PlanKind.StandDown, root, PlannerRule.StandByAfterRestart,
            $"'{owner.Name}' has '{root}' {(theirs.InService ? "in service" : "coming in service")} with ownership generation {theirs.Generation}; this node's agent restarted with it " +
            $"marked in service under generation {mine}, so it takes it out here without touching the record and stands by.") { Peer = owner.Name });
    }

    /// <summary>Rule 4 (and the restart rule): of two owners, the one with the older generation stands down.</summary>
    private static void StandDownIfStale(PlannerInput input, string root, List<PlannedAction> plan)
    {
        if (!input.Memory.Settled)
        {
            StandByIfOwnedElsewhere(input, root, plan);
            return;
        }
        long mine = input.Memory.GenerationOf(root);
        foreach (var peer in input.Peers.Alive.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (peer.Report(root) is not { Owns: true } theirs) continue;
            // Only a strictly newer generation: with equal ones (an operator's Start-HaResource on a second node) the
            // record's compare-and-swap decides, and the next check's recovery stands the loser down.
            if (theirs.Generation <= mine) continue;
            plan.Add(new PlannedAction(PlanKind.StandDown, root, PlannerRule.StandDownStaleGeneration,
                $"'{peer.Name}' has '{root}' {(theirs.InService ? "in service" : "coming in service")} with ownership generation {theirs.Generation}; this node's is {mine}. " +
                $"Taking '{root}' out of service here without touching the record.") { Peer = peer.Name });
            return;
        }
    }

    /// <summary>Failover, rules 2, 3, 1 and 7: whether this node should bring a hierarchy nobody live owns in service.</summary>
    private static void TakeOverIfOwnerless(PlannerInput input, string root, List<PlannedAction> plan)
    {
        var memory = input.Memory;
        var owner = input.Peers.Alive.FirstOrDefault(p => p.Report(root) is { Owns: true });
        if (owner is not null)
        {
            if (memory.Fenced.Contains(root))
                plan.Add(new PlannedAction(PlanKind.ForgetFenced, root, PlannerRule.RestoreAfterQuorum, $"'{owner.Name}' has '{root}' in service.") { Peer = owner.Name });
            return;
        }

        // Why would this hierarchy need a new owner?
        string rule;
        string why;
        string? peerName = null;
        // A dead node's claim counts unless a newer owner (a higher generation, here or on a live node) replaced it
        // since: an operator's stop after a failover is not undone by the first owner's old report.
        long newest = HighestGeneration(memory, input.Peers.Alive, root);
        var gone = input.Peers.Peers.Values.Where(p => !p.Alive && p.EverHeard && p.Report(root) is { Owns: true } r && r.Generation >= newest)
            .OrderByDescending(p => p.Report(root)!.Generation).ThenBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        var released = input.Peers.Peers.Values.Where(p => p.EverHeard && p.Report(root) is { Claim: OwnershipClaim.Released } r && r.Generation >= newest)
            .OrderBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault();
        var fencer = memory.Fenced.Contains(root) ? input.Self
            : input.Peers.Alive.Where(p => p.Report(root) is { Claim: OwnershipClaim.Fenced }).Select(p => p.Name).FirstOrDefault();
        if (gone is { Leaving: true })
        {
            plan.Add(new PlannedAction(PlanKind.Hold, root, PlannerRule.CleanLeave,
                $"'{gone.Name}' stopped its agent cleanly with '{root}' still in service (no node could take it then); it is not lost, so '{root}' is not taken over (it runs there unprotected until the agent is back).") { Peer = gone.Name });
            return;
        }
        if (gone is not null)
        {
            var report = gone.Report(root)!;
            peerName = gone.Name;
            (rule, why) = report.InService
                ? (PlannerRule.TakeOverFromDeadOwner, $"'{gone.Name}' is dead and had '{root}' in service")
                : (PlannerRule.TakeOverFromDeadRestorer, $"'{gone.Name}' is dead and was bringing '{root}' in service (it said so before moving the record)");
        }
        else if (released is not null)
        {
            peerName = released.Name;
            (rule, why) = (PlannerRule.TakeOverAfterCleanStop, $"'{released.Name}' stopped its agent cleanly and took '{root}' out of service to hand it over");
        }
        else if (fencer is not null)
        {
            peerName = fencer;
            (rule, why) = (PlannerRule.RestoreAfterQuorum, $"quorum is back ({input.Quorum.Reason}) and '{fencer}' had taken '{root}' out of service when it lost quorum");
        }
        else if (FailedHereOnRoute53(input, root) is { } failed)
        {
            // The others stood down for (or never saw) this node's claim: none of them has a reason to act, so this node
            // is the one that may, whatever its priority. A second writer would lose the strict compare-and-swap anyway.
            (rule, why) = (PlannerRule.RetryWhileNowhere,
                $"taking '{root}' over failed here on Route 53 ({failed.Message}) and no live node has it in service or coming in service");
        }
        else return;

        var candidates = Candidates(input, root);
        string? best = rule == PlannerRule.RetryWhileNowhere ? input.Self : candidates.FirstOrDefault();
        if (best is null || !best.Equals(input.Self, StringComparison.OrdinalIgnoreCase))
        {
            plan.Add(new PlannedAction(PlanKind.Hold, root, PlannerRule.NextByPriority,
                best is null ? $"{why}, but no live node can take it (this node failed to bring it in service)."
                             : $"{why}; '{best}' is next by priority, so this node does not take '{root}' over.") { Peer = peerName });
            return;
        }

        if (rule == PlannerRule.RestoreAfterQuorum && UnheardOwnerMayExist(input, root) is { } unsure)
        {
            plan.Add(new PlannedAction(PlanKind.Hold, root, PlannerRule.RestoreAfterQuorum, $"{why}; {unsure}") { Peer = peerName });
            return;
        }

        // The witness is asked about a silent owner; a node that said it left and released the hierarchy is not in doubt.
        if (rule is not (PlannerRule.RestoreAfterQuorum or PlannerRule.TakeOverAfterCleanStop or PlannerRule.RetryWhileNowhere) && input.Settings.WitnessMode == WitnessMode.RemoteVerify
            && input.Peers.Alive.FirstOrDefault(p => !p.Name.Equals(peerName, StringComparison.OrdinalIgnoreCase) && p.Hears.Contains(peerName!)) is { } witness)
        {
            plan.Add(new PlannedAction(PlanKind.Hold, root, PlannerRule.WitnessVeto,
                $"'{peerName}' seems dead here, but '{witness.Name}' still hears it (WITNESS_MODE=remote_verify); not taking '{root}' over.") { Peer = peerName });
            return;
        }

        if (memory.Attempts.GetValueOrDefault(root) is { } attempt)
        {
            var wait = attempt.Failure switch
            {
                FailureKind.Route53 => RetryDelay(input.Settings, attempt.Count),
                // The winner of the record will be heard within the dead time; if not, it died too: try again.
                _ => input.Settings.DeadAfter * 2,
            };
            if (input.Now < attempt.At + wait)
            {
                plan.Add(new PlannedAction(PlanKind.Hold, root, PlannerRule.RetryAfterRoute53Failure,
                    attempt.Failure == FailureKind.Route53
                        ? $"Waiting for Route 53: taking '{root}' over failed {attempt.Count} time(s) ({attempt.Message}); trying again here at {(attempt.At + wait):HH:mm:ss}, not handing it to another node."
                        : $"Another node won the record of '{root}' ({attempt.Message}); waiting until {(attempt.At + wait):HH:mm:ss} to hear it.") { Peer = peerName });
                return;
            }
        }

        long generation = NextGeneration(memory, input.Peers, root);
        string chosen = rule == PlannerRule.RetryWhileNowhere ? "no other node has a reason to bring it back, and this node" : "this node is next by priority and";
        plan.Add(new PlannedAction(PlanKind.TakeOver, root, rule,
            $"{why}; {chosen} has quorum ({input.Quorum.Reason}): taking it over with ownership generation {generation}.")
        { Generation = generation, Peer = peerName });
    }

    /// <summary>
    /// This node's takeover of <paramref name="root"/> that failed on Route 53, while it still stands: a resource of the
    /// hierarchy is still failed (OSF) here (an operator's Stop-HaResource clears that: the hierarchy is then meant to be
    /// out of service) and no node, live or dead, reports a generation newer than the one this node claimed (a later
    /// owner, an operator's start or switchover elsewhere, replaced the claim). Null otherwise.
    /// </summary>
    private static TakeoverAttempt? FailedHereOnRoute53(PlannerInput input, string root)
    {
        if (input.Memory.Attempts.GetValueOrDefault(root) is not { Failure: FailureKind.Route53 } attempt) return null;
        if (HighestGeneration(input.Memory, input.Peers.Peers.Values, root) > input.Memory.GenerationOf(root)) return null;
        var state = input.State;
        return ResourceManager.RestoreOrder(state, root).Any(t => state.StatusOf(t, input.Self).State == ResourceState.OSF) ? attempt : null;
    }

    /// <summary>
    /// Why restoring <paramref name="root"/> after quorum returned must wait, or null: a node of the hierarchy that a
    /// live peer hears and this node does not (it may have taken the hierarchy over meanwhile, with a generation this
    /// node has not heard), or quorum back for less than the dead time (every reachable member is heard within it).
    /// </summary>
    private static string? UnheardOwnerMayExist(PlannerInput input, string root)
    {
        var definition = input.State.Find(root);
        var unheard = input.Peers.Alive.OrderBy(p => p.Name, StringComparer.Ordinal)
            .SelectMany(p => p.Hears.Where(h => !h.Equals(input.Self, StringComparison.OrdinalIgnoreCase) && !input.Peers.IsAlive(h)
                && input.State.Member(h)?.Role == MemberRole.Node && definition?.Nodes.ContainsKey(h) == true).Select(h => (Peer: p.Name, Node: h)))
            .OrderBy(x => x.Node, StringComparer.Ordinal).FirstOrDefault();
        if (unheard.Node is not null)
            return $"'{unheard.Peer}' hears '{unheard.Node}', which this node has not heard yet: waiting to hear it before restoring '{root}' (it may own it by now).";
        if (input.Memory.QuorumBackAt is { } back && input.Now < back + input.Settings.DeadAfter)
            return $"waiting until {(back + input.Settings.DeadAfter):HH:mm:ss.fff} (one dead time after quorum returned) to hear every reachable member before restoring '{root}'.";
        return null;
    }

    /// <summary>The generation a new owner of <paramref name="root"/> claims: above any this node knows, its own or a peer's, live or dead.</summary>
    public static long NextGeneration(AgentMemory memory, PeerSnapshot peers, string root) => 1 + HighestGeneration(memory, peers.Peers.Values, root);

    private static long HighestGeneration(AgentMemory memory, IEnumerable<PeerRecord> peers, string root) =>
        Math.Max(memory.GenerationOf(root), peers.Select(p => p.Report(root)?.Generation ?? 0).DefaultIfEmpty(0).Max());

    /// <summary>Route 53 retries: the seed's ROUTE53_RECORD_INTERVAL doubling per attempt, capped at interval × ROUTE53_RECORD_TRY_COUNT.</summary>
    public static TimeSpan RetryDelay(ClusterSettings settings, int attempts) =>
        TimeSpan.FromTicks(Math.Min(settings.RetryInterval.Ticks * (1L << Math.Min(attempts - 1, 16)), settings.RetryInterval.Ticks * Math.Max(1, settings.RetryCount)));

    /// <summary>
    /// The live node members (this one included) the hierarchy is extended to, best priority first; not this node when
    /// it failed it locally, nor a node releasing it because its agent is stopping.
    /// </summary>
    public static List<string> Candidates(PlannerInput input, string root, string? except = null)
    {
        var definition = input.State.Find(root);
        if (definition is null) return new();
        bool failedHere = input.Memory.Attempts.GetValueOrDefault(root) is { Failure: FailureKind.Local };
        return input.State.Members
            .Where(m => m.Role == MemberRole.Node && definition.Nodes.ContainsKey(m.Name))
            .Where(m => m.Name.Equals(input.Self, StringComparison.OrdinalIgnoreCase) ? !failedHere
                : input.Peers.IsAlive(m.Name) && input.Peers[m.Name]!.Report(root) is not { Claim: OwnershipClaim.Released })
            .Where(m => except is null || !m.Name.Equals(except, StringComparison.OrdinalIgnoreCase))
            .OrderBy(m => definition.Nodes[m.Name].Priority).ThenBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => m.Name).ToList();
    }
}
