using System.Collections.Immutable;
using SiosRoute53.Cluster;
using SiosRoute53.Model;

namespace SiosRoute53.Tests.Unit.Cluster;

/// <summary>
/// The planner, table by table: one row per rule and per scenario an operator or the fault lab saw. Each row is a
/// moment (this node's state, what it last heard from each peer, its quorum, its settings and memory) and the
/// decisions it must make, each naming its rule. Pure: no sockets, no root, no clock of its own.
/// </summary>
public sealed class ClusterPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly QuorumVerdict Quorate = new(true, "majority: 2 of 3 members reachable");
    private static readonly QuorumVerdict NoQuorum = new(false, "no majority: only 1 of 3 members reachable");

    /// <summary>node1 (priority 1), node2 (priority 2), optionally node3 (priority 3), and a witness; 'web' (over 'web-dns') extended to every node.</summary>
    private static NodeState Cluster(string self, ResourceState selfWeb = ResourceState.OSU, bool node3 = false, bool witness = true)
    {
        var nodes = new List<string> { "node1", "node2" };
        if (node3) nodes.Add("node3");
        var members = nodes.Select(n => new ClusterMember { Name = n, Paths = new() { $"10.0.0.{nodes.IndexOf(n) + 1}:7353" } }).ToList();
        if (witness) members.Add(new ClusterMember { Name = "witness", Role = MemberRole.Witness, Paths = new() { "10.0.0.9:7353" } });
        Dictionary<string, NodeInstance> Extended() => nodes.ToDictionary(n => n, n => new NodeInstance { Priority = nodes.IndexOf(n) + 1 }, StringComparer.OrdinalIgnoreCase);
        return new NodeState
        {
            NodeName = self,
            ClusterName = "lab",
            Members = members,
            Resources = new()
            {
                new ResourceDefinition { Tag = "web", Kind = ResourceKind.Service, Nodes = Extended() },
                new ResourceDefinition { Tag = "web-dns", Kind = ResourceKind.Route53, Nodes = Extended() },
            },
            Dependencies = new() { new Dependency("web", "web-dns") },
            States = new()
            {
                new ResourceStatus { Tag = "web", Node = self, State = selfWeb },
                new ResourceStatus { Tag = "web-dns", Node = self, State = selfWeb },
            },
        };
    }

    private static PeerRecord Peer(string name, bool alive = true, ResourceState? web = null, long generation = 0, OwnershipClaim claim = OwnershipClaim.None,
        bool leaving = false, string[]? hears = null, MemberRole role = MemberRole.Node) => new()
    {
        Name = name,
        Role = role,
        Alive = alive && !leaving,
        EverHeard = true,
        Leaving = leaving,
        Resources = web is null ? ImmutableList<ResourceStateReport>.Empty : ImmutableList.Create(new ResourceStateReport("web", web.Value, generation, claim)),
        Hears = (hears ?? Array.Empty<string>()).ToImmutableHashSet(StringComparer.OrdinalIgnoreCase),
    };

    private static PlannerInput Input(NodeState state, QuorumVerdict? quorum = null, AgentMemory? memory = null, ClusterSettings? settings = null, bool observed = true, params PeerRecord[] peers) => new()
    {
        Observed = observed,
        Self = state.NodeName,
        State = state,
        Peers = PeerSnapshot.Of(peers),
        Quorum = quorum ?? Quorate,
        Settings = settings ?? new ClusterSettings { HeartbeatInterval = TimeSpan.FromSeconds(1), RetryInterval = TimeSpan.FromSeconds(2), RetryCount = 3 },
        Memory = memory ?? AgentMemory.Empty with { Settled = true },
        Now = Now,
    };

    private static AgentMemory Settled(Func<AgentMemory, AgentMemory>? change = null) => (change ?? (m => m))(AgentMemory.Empty with { Settled = true });

    /// <summary>
    /// node2 after its takeover of 'web' (generation 2) failed on Route 53: the record resource failed (OSF), the service
    /// never came in service; node1, woken from a pause, stood down for that claim and keeps generation 1.
    /// </summary>
    private static NodeState FailedOnRoute53(NodeState state) => state with
    {
        States = state.States.Select(s => s.Tag == "web-dns" ? s with { State = ResourceState.OSF, Reason = "Throttling: Rate exceeded" } : s).ToList(),
    };

    private static AgentMemory FailedTakeover(int count, double secondsAgo) => Settled(m => m with
    {
        Generations = Generation("web", 2),
        Attempts = m.Attempts.Add("web", new TakeoverAttempt(count, Now.AddSeconds(-secondsAgo), FailureKind.Route53, "Throttling: Rate exceeded")),
    });

    private static PeerRecord[] WokenOwnerStoodDown => new[] { Peer("node1", web: ResourceState.OSU, generation: 1), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1", "node2" }) };

    private static ImmutableHashSet<string> Set(params string[] tags) => tags.ToImmutableHashSet(StringComparer.OrdinalIgnoreCase);

    private static ImmutableDictionary<string, long> Generation(string tag, long value) => ImmutableDictionary.Create<string, long>(StringComparer.OrdinalIgnoreCase).Add(tag, value);

    /// <summary>A row: the moment, and the decisions expected (kind, hierarchy, rule), in order. Holds are decisions too.</summary>
    public sealed record Row(PlannerInput Input, params (PlanKind Kind, string? Tag, string Rule)[] Expected);

    private static readonly Dictionary<string, Row> Rows = new()
    {
        // ---- failover from a dead owner -------------------------------------------------------------------------
        ["A dead owner's hierarchy is taken over by the next live node by priority, with a higher generation"] = new(
            Input(Cluster("node2"), peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP, generation: 4), Peer("witness", role: MemberRole.Witness, hears: new[] { "node2" }) }),
            (PlanKind.TakeOver, "web", PlannerRule.TakeOverFromDeadOwner)),
        ["A node that is not next by priority says so and does not take over"] = new(
            Input(Cluster("node3", node3: true), peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP), Peer("node2"), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.Hold, "web", PlannerRule.NextByPriority)),
        ["With WITNESS_MODE=remote_verify a member that still hears the owner vetoes the takeover"] = new(
            Input(Cluster("node2"), peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1", "node2" }) }),
            (PlanKind.Hold, "web", PlannerRule.WitnessVeto)),
        ["With WITNESS_MODE=none what the witness hears does not matter"] = new(
            Input(Cluster("node2"), settings: new ClusterSettings { WitnessMode = WitnessMode.None },
                peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1" }) }),
            (PlanKind.TakeOver, "web", PlannerRule.TakeOverFromDeadOwner)),
        ["A hierarchy a live node has in service is left alone"] = new(
            Input(Cluster("node2"), peers: new[] { Peer("node1", web: ResourceState.ISP), Peer("witness", role: MemberRole.Witness) })),
        ["A hierarchy with an action queued or running is not planned again"] = new(
            Input(Cluster("node2"), memory: Settled(m => m with { Busy = Set("web") }), peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP) })),
        ["A dead node's old claim does not undo an operator's stop after a newer owner took over"] = new(
            Input(Cluster("node2"), memory: Settled(m => m with { Generations = Generation("web", 5) }), peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP, generation: 4) })),
        ["Nothing is decided before the dead time has passed since the agent started"] = new(
            Input(Cluster("node2"), peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP) }) with { Observed = false }),
        ["A witness decides nothing about hierarchies"] = new(
            Input(Cluster("witness") with { States = new() }, peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP) })),

        // ---- fencing (seed §5-1) --------------------------------------------------------------------------------
        ["Without quorum an owner takes its hierarchies out of service (QUORUM_LOSS_ACTION=osu)"] = new(
            Input(Cluster("node1", ResourceState.ISP), quorum: NoQuorum, peers: new[] { Peer("node2", alive: false), Peer("witness", alive: false) }),
            (PlanKind.Fence, "web", PlannerRule.FenceOnQuorumLoss)),
        ["Without quorum a standby never takes over, even from a dead owner"] = new(
            Input(Cluster("node2"), quorum: NoQuorum, peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP) })),
        ["Without quorum QUORUM_LOSS_ACTION=fastkill runs its command once"] = new(
            Input(Cluster("node1", ResourceState.ISP), quorum: NoQuorum, settings: new ClusterSettings { QuorumLossAction = QuorumLossAction.Fastkill }),
            (PlanKind.FenceCommand, null, PlannerRule.FenceOnQuorumLoss)),
        ["A fence command that already ran is not run again while quorum stays lost"] = new(
            Input(Cluster("node1", ResourceState.ISP), quorum: NoQuorum, memory: Settled(m => m with { FenceCommandRun = true }), settings: new ClusterSettings { QuorumLossAction = QuorumLossAction.Fastboot })),

        // ---- rule 2: fencing is not forever ---------------------------------------------------------------------
        ["Rule 2: when quorum returns, the node that fenced a hierarchy brings it back if it is first by priority"] = new(
            Input(Cluster("node1"), memory: Settled(m => m with { Fenced = Set("web") }), peers: new[] { Peer("node2"), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.TakeOver, "web", PlannerRule.RestoreAfterQuorum)),
        ["Rule 2: a hierarchy another node fenced comes back on the best node by priority"] = new(
            Input(Cluster("node1"), peers: new[] { Peer("node2", web: ResourceState.OSU, claim: OwnershipClaim.Fenced), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.TakeOver, "web", PlannerRule.RestoreAfterQuorum)),
        ["Rule 2: the node that fenced leaves it to a better node by priority"] = new(
            Input(Cluster("node2"), memory: Settled(m => m with { Fenced = Set("web") }), peers: new[] { Peer("node1"), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.Hold, "web", PlannerRule.NextByPriority)),
        ["Rule 2: a fenced hierarchy that is in service elsewhere again is forgotten, not restored"] = new(
            Input(Cluster("node2"), memory: Settled(m => m with { Fenced = Set("web") }), peers: new[] { Peer("node1", web: ResourceState.ISP, generation: 2) }),
            (PlanKind.ForgetFenced, "web", PlannerRule.RestoreAfterQuorum)),
        ["Rule 2: the witness's veto does not apply to bringing a fenced hierarchy back"] = new(
            Input(Cluster("node1"), memory: Settled(m => m with { Fenced = Set("web") }), peers: new[] { Peer("node2", hears: new[] { "node1" }), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1", "node2" }) }),
            (PlanKind.TakeOver, "web", PlannerRule.RestoreAfterQuorum)),

        ["Rule 2: a node that regained quorum does not restore while a live peer hears a node it has not heard yet"] = new(
            Input(Cluster("node2"), memory: Settled(m => m with { Fenced = Set("web"), Generations = Generation("web", 3) }),
                peers: new[] { Peer("node1", alive: false, web: ResourceState.OSU), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1", "node2" }) }),
            (PlanKind.Hold, "web", PlannerRule.RestoreAfterQuorum)),
        ["Rule 2: a fenced hierarchy waits one dead time after quorum returns, then comes back"] = new(
            Input(Cluster("node1"), memory: Settled(m => m with { Fenced = Set("web"), QuorumBackAt = Now.AddSeconds(-2) }), peers: new[] { Peer("node2"), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.Hold, "web", PlannerRule.RestoreAfterQuorum)),
        ["Rule 2: a dead time after quorum returned, with every node heard, the fenced hierarchy comes back"] = new(
            Input(Cluster("node1"), memory: Settled(m => m with { Fenced = Set("web"), QuorumBackAt = Now.AddSeconds(-3) }), peers: new[] { Peer("node2"), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1", "node2" }) }),
            (PlanKind.TakeOver, "web", PlannerRule.RestoreAfterQuorum)),

        // ---- rule 3: the intent to own --------------------------------------------------------------------------
        ["Rule 3: a node that died while bringing a hierarchy in service (it announced it) is taken over"] = new(
            Input(Cluster("node1"), peers: new[] { Peer("node2", alive: false, web: ResourceState.OSU, generation: 3, claim: OwnershipClaim.Restoring), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.TakeOver, "web", PlannerRule.TakeOverFromDeadRestorer)),
        ["Rule 3: a node that died after an operator stopped its hierarchy is not taken over"] = new(
            Input(Cluster("node1"), peers: new[] { Peer("node2", alive: false, web: ResourceState.OSU, generation: 3), Peer("witness", role: MemberRole.Witness) })),

        // ---- rule 4: generations --------------------------------------------------------------------------------
        ["Rule 4: a paused owner that wakes beside a newer owner stands down without touching the record"] = new(
            Input(Cluster("node1", ResourceState.ISP), memory: Settled(m => m with { Generations = Generation("web", 1) }), peers: new[] { Peer("node2", web: ResourceState.ISP, generation: 2) }),
            (PlanKind.StandDown, "web", PlannerRule.StandDownStaleGeneration)),
        ["Rule 4: the newer owner keeps its hierarchy when the stale one reappears"] = new(
            Input(Cluster("node2", ResourceState.ISP), memory: Settled(m => m with { Generations = Generation("web", 2) }), peers: new[] { Peer("node1", web: ResourceState.ISP, generation: 1) })),
        ["Rule 4: an owner stands down for a node that announced a newer claim"] = new(
            Input(Cluster("node1", ResourceState.ISP), memory: Settled(m => m with { Generations = Generation("web", 1) }), peers: new[] { Peer("node2", web: ResourceState.OSU, generation: 2, claim: OwnershipClaim.Restoring) }),
            (PlanKind.StandDown, "web", PlannerRule.StandDownStaleGeneration)),
        ["Rule 4: with equal generations neither stands down by priority: the record's compare-and-swap decides"] = new(
            Input(Cluster("node2", ResourceState.ISP), memory: Settled(m => m with { Generations = Generation("web", 1) }), peers: new[] { Peer("node1", web: ResourceState.ISP, generation: 1) })),
        ["Rule 4: with equal generations the node first by priority does not stand down either"] = new(
            Input(Cluster("node1", ResourceState.ISP), memory: Settled(m => m with { Generations = Generation("web", 1) }), peers: new[] { Peer("node2", web: ResourceState.ISP, generation: 1) })),
        ["A restarted owner stands by at once, before its first dead time, where a live peer owns the hierarchy with a newer generation"] = new(
            Input(Cluster("node1", ResourceState.ISP), memory: AgentMemory.Empty with { Generations = Generation("web", 3) }, observed: false,
                peers: new[] { Peer("node2", web: ResourceState.ISP, generation: 4), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.StandDown, "web", PlannerRule.StandByAfterRestart)),
        ["A restarted owner stands by at once where a live peer is bringing the hierarchy in service with a newer generation"] = new(
            Input(Cluster("node1", ResourceState.ISP), memory: AgentMemory.Empty with { Generations = Generation("web", 3) }, observed: false,
                peers: new[] { Peer("node2", web: ResourceState.OSU, generation: 4, claim: OwnershipClaim.Restoring) }),
            (PlanKind.StandDown, "web", PlannerRule.StandByAfterRestart)),
        ["A restarted owner whose kept generation is newer than a live peer's keeps its hierarchy: that peer is the stale one"] = new(
            Input(Cluster("node1", ResourceState.ISP), memory: AgentMemory.Empty with { Generations = Generation("web", 5) }, observed: false,
                peers: new[] { Peer("node2", web: ResourceState.ISP, generation: 4) })),
        ["A restarted owner that no live peer contradicts keeps its hierarchy and settles once it has heard its peers"] = new(
            Input(Cluster("node1", ResourceState.ISP), memory: AgentMemory.Empty with { Generations = Generation("web", 5) },
                peers: new[] { Peer("node2", web: ResourceState.OSU, generation: 5), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.Settle, null, PlannerRule.StandByAfterRestart)),
        ["Before its first dead time a node neither takes over nor fences: it cannot judge who is dead or whether it has quorum"] = new(
            Input(Cluster("node2", ResourceState.ISP), quorum: NoQuorum, memory: AgentMemory.Empty, observed: false,
                peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP, generation: 4) })),
        ["A restarted node that still marks a hierarchy in service stands by where a live peer owns it"] = new(
            Input(Cluster("node1", ResourceState.ISP), memory: AgentMemory.Empty, peers: new[] { Peer("node2", web: ResourceState.ISP) }),
            (PlanKind.Settle, null, PlannerRule.StandByAfterRestart), (PlanKind.StandDown, "web", PlannerRule.StandByAfterRestart)),

        // ---- rule 1: a clean leave ------------------------------------------------------------------------------
        ["An owner that stopped its agent cleanly and released its hierarchy is taken over at once by the next node, with no witness veto"] = new(
            Input(Cluster("node2"), peers: new[] { Peer("node1", web: ResourceState.OSU, generation: 3, claim: OwnershipClaim.Released, leaving: true),
                Peer("witness", role: MemberRole.Witness, hears: new[] { "node1", "node2" }) }),
            (PlanKind.TakeOver, "web", PlannerRule.TakeOverAfterCleanStop)),
        ["An owner releasing its hierarchy while its agent stops is taken over as soon as it reports it out of service"] = new(
            Input(Cluster("node2"), peers: new[] { Peer("node1", web: ResourceState.OSU, generation: 3, claim: OwnershipClaim.Released), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.TakeOver, "web", PlannerRule.TakeOverAfterCleanStop)),
        ["Only the next node by priority takes a released hierarchy over"] = new(
            Input(Cluster("node3", node3: true), peers: new[] { Peer("node1", web: ResourceState.OSU, generation: 3, claim: OwnershipClaim.Released, leaving: true), Peer("node2"), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.Hold, "web", PlannerRule.NextByPriority)),
        ["Rule 1: an owner that stopped its agent cleanly when no node could take its hierarchy left, it is not lost: not taken over"] = new(
            Input(Cluster("node2"), peers: new[] { Peer("node1", web: ResourceState.ISP, leaving: true), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.Hold, "web", PlannerRule.CleanLeave)),

        // ---- rule 7: Route 53 failures during a takeover --------------------------------------------------------
        ["Rule 7: after a Route 53 failure the takeover waits for its retry here and says so"] = new(
            Input(Cluster("node2", ResourceState.OSF), memory: Settled(m => m with { Attempts = m.Attempts.Add("web", new TakeoverAttempt(2, Now.AddSeconds(-3), FailureKind.Route53, "Throttling")) }),
                peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP) }),
            (PlanKind.Hold, "web", PlannerRule.RetryAfterRoute53Failure)),
        ["Rule 7: once the retry time has come the same node tries again rather than handing over"] = new(
            Input(Cluster("node2", ResourceState.OSF), memory: Settled(m => m with { Attempts = m.Attempts.Add("web", new TakeoverAttempt(2, Now.AddSeconds(-5), FailureKind.Route53, "Throttling")) }),
                peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP), Peer("node3") }),
            (PlanKind.TakeOver, "web", PlannerRule.TakeOverFromDeadOwner)),
        ["Rule 7: a takeover that failed on this node's own resources leaves it to the next node"] = new(
            Input(Cluster("node2", ResourceState.OSF, node3: true), memory: Settled(m => m with { Attempts = m.Attempts.Add("web", new TakeoverAttempt(1, Now.AddSeconds(-60), FailureKind.Local, "the service refused to start")) }),
                peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP), Peer("node3"), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.Hold, "web", PlannerRule.NextByPriority)),
        ["Rule 7: a node that lost the record's race waits to hear the winner"] = new(
            Input(Cluster("node2"), memory: Settled(m => m with { Attempts = m.Attempts.Add("web", new TakeoverAttempt(1, Now.AddSeconds(-1), FailureKind.Lost, "node3 won")) }),
                peers: new[] { Peer("node1", alive: false, web: ResourceState.ISP) }),
            (PlanKind.Hold, "web", PlannerRule.RetryAfterRoute53Failure)),

        // ---- rule 7: a takeover that failed on Route 53 after the old owner came back -----------------------------
        ["Rule 7: a node whose takeover failed on Route 53 retries it when the woken owner stood down for its claim"] = new(
            Input(FailedOnRoute53(Cluster("node2")), memory: FailedTakeover(1, 5), peers: WokenOwnerStoodDown),
            (PlanKind.TakeOver, "web", PlannerRule.RetryWhileNowhere)),
        ["Rule 7: the retry while the hierarchy is in service nowhere waits for its backoff and says so"] = new(
            Input(FailedOnRoute53(Cluster("node2")), memory: FailedTakeover(1, 1), peers: WokenOwnerStoodDown),
            (PlanKind.Hold, "web", PlannerRule.RetryAfterRoute53Failure)),
        ["Rule 7: the woken owner that stood down for the claim does not bring the hierarchy back itself"] = new(
            Input(Cluster("node1"), memory: Settled(m => m with { Generations = Generation("web", 1) }),
                peers: new[] { Peer("node2", web: ResourceState.OSU, generation: 2), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1", "node2" }) })),
        ["Rule 7: the failed takeover is not retried while the woken owner still has the hierarchy in service"] = new(
            Input(FailedOnRoute53(Cluster("node2")), memory: FailedTakeover(1, 5), peers: new[] { Peer("node1", web: ResourceState.ISP, generation: 1) })),
        ["Rule 7: the failed takeover is not retried while another node is bringing the hierarchy in service"] = new(
            Input(FailedOnRoute53(Cluster("node2", node3: true)), memory: FailedTakeover(1, 5),
                peers: new[] { Peer("node1", web: ResourceState.OSU, generation: 1), Peer("node3", web: ResourceState.OSU, generation: 3, claim: OwnershipClaim.Restoring) })),
        ["Rule 7: an operator's stop after a failed takeover is left alone (the failure no longer stands on this node)"] = new(
            Input(Cluster("node2"), memory: FailedTakeover(1, 60), peers: WokenOwnerStoodDown)),
        ["Rule 7: a failed takeover is not retried once another node claimed a newer generation (an operator's switchover and stop)"] = new(
            Input(FailedOnRoute53(Cluster("node2")), memory: FailedTakeover(1, 60), peers: new[] { Peer("node1", web: ResourceState.OSU, generation: 3) })),
        ["Rule 7: a takeover that lost the record's race is not retried as in service nowhere"] = new(
            Input(FailedOnRoute53(Cluster("node2")), memory: Settled(m => m with { Generations = Generation("web", 2),
                Attempts = m.Attempts.Add("web", new TakeoverAttempt(1, Now.AddSeconds(-60), FailureKind.Lost, "node3 won")) }), peers: WokenOwnerStoodDown)),

        // ---- what was seen in the fault lab, as moments ---------------------------------------------------------
        ["Seen: killed 150 ms after a switchover, before any heartbeat said it was in service: taken over"] = new(
            Input(Cluster("node1"), peers: new[] { Peer("node2", alive: false, web: ResourceState.OSU, generation: 1, claim: OwnershipClaim.Restoring), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1" }) }),
            (PlanKind.TakeOver, "web", PlannerRule.TakeOverFromDeadRestorer)),
        ["Seen: after a full partition heals, the fenced hierarchy comes back without an operator"] = new(
            Input(Cluster("node1"), memory: Settled(m => m with { Fenced = Set("web"), Generations = Generation("web", 1) }), peers: new[] { Peer("node2", web: ResourceState.OSU), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.TakeOver, "web", PlannerRule.RestoreAfterQuorum)),
        ["Seen: after a cut link heals, the fenced side hears the witness before the owner and waits for the owner"] = new(
            Input(Cluster("node2"), memory: Settled(m => m with { Fenced = Set("web"), Generations = Generation("web", 3), QuorumBackAt = Now }),
                peers: new[] { Peer("node1", alive: false, web: ResourceState.OSU), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1" }) }),
            (PlanKind.Hold, "web", PlannerRule.RestoreAfterQuorum)),
        ["Seen: once it hears the owner that took over meanwhile, the fenced side forgets its fence"] = new(
            Input(Cluster("node2"), memory: Settled(m => m with { Fenced = Set("web"), Generations = Generation("web", 3), QuorumBackAt = Now }),
                peers: new[] { Peer("node1", web: ResourceState.ISP, generation: 4), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1", "node2" }) }),
            (PlanKind.ForgetFenced, "web", PlannerRule.RestoreAfterQuorum)),
        ["Seen: a paused owner (SIGSTOP for twice the dead time) wakes up and stands down at once"] = new(
            Input(Cluster("node1", ResourceState.ISP), memory: Settled(m => m with { Generations = Generation("web", 3) }), peers: new[] { Peer("node2", web: ResourceState.ISP, generation: 4), Peer("witness", role: MemberRole.Witness) }),
            (PlanKind.StandDown, "web", PlannerRule.StandDownStaleGeneration)),
    };

    public static TheoryData<string> Names() => new(Rows.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void The_planner_decides(string behaviour)
    {
        var row = Rows[behaviour];
        var plan = ClusterPlanner.Plan(row.Input);
        Assert.Equal(row.Expected.Select(e => (e.Kind, e.Tag, e.Rule)), plan.Select(a => (a.Kind, a.Tag, a.Rule)));
        Assert.All(plan, a => Assert.False(string.IsNullOrWhiteSpace(a.Reason)));
    }

    [Fact]
    public void A_takeover_claims_a_generation_higher_than_any_known()
    {
        var plan = ClusterPlanner.Plan(Rows["A dead owner's hierarchy is taken over by the next live node by priority, with a higher generation"].Input);
        Assert.Equal(5, plan.Single().Generation);
        Assert.Contains("'node1' is dead and had 'web' in service", plan.Single().Reason);
    }

    [Fact]
    public void The_same_moment_gives_the_same_plan()
    {
        foreach (var row in Rows.Values)
            Assert.Equal(ClusterPlanner.Plan(row.Input).Select(a => a.Reason), ClusterPlanner.Plan(row.Input).Select(a => a.Reason));
    }

    [Fact]
    public void Seen_pause_the_owner_then_throttle_Route53_exactly_one_node_brings_the_hierarchy_back()
    {
        // The chaos round, as one moment decided on both nodes at once: node2's takeover (generation 2) failed on
        // Throttling after node1 woke and stood down for its claim.
        var node2 = ClusterPlanner.Plan(Input(FailedOnRoute53(Cluster("node2")), memory: FailedTakeover(1, 5), peers: WokenOwnerStoodDown));
        var node1 = ClusterPlanner.Plan(Input(Cluster("node1"), memory: Settled(m => m with { Generations = Generation("web", 1) }),
            peers: new[] { Peer("node2", web: ResourceState.OSU, generation: 2), Peer("witness", role: MemberRole.Witness, hears: new[] { "node1", "node2" }) }));

        Assert.Empty(node1);
        var takeover = Assert.Single(node2);
        Assert.Equal((PlanKind.TakeOver, "web", PlannerRule.RetryWhileNowhere), (takeover.Kind, takeover.Tag, takeover.Rule));
        Assert.Equal(3, takeover.Generation);
        Assert.Contains("failed here on Route 53 (Throttling: Rate exceeded)", takeover.Reason);
        Assert.Contains("no live node has it in service or coming in service; no other node has a reason to bring it back", takeover.Reason);
    }

    [Fact]
    public void A_Route53_outage_that_lasts_is_retried_on_one_node_at_the_seeds_pace_and_never_handed_back()
    {
        // Two minutes of throttling after node1 stood down: every retry node2 makes fails on Route 53 again.
        var settings = new ClusterSettings { HeartbeatInterval = TimeSpan.FromSeconds(1), RetryInterval = TimeSpan.FromSeconds(2), RetryCount = 3 };
        var memory = FailedTakeover(1, 0);
        var node1 = Input(Cluster("node1"), memory: Settled(m => m with { Generations = Generation("web", 1) }), settings: settings,
            peers: new[] { Peer("node2", web: ResourceState.OSU, generation: 2) });
        var tries = new List<DateTimeOffset> { Now };
        for (var t = Now; t <= Now.AddMinutes(2); t += TimeSpan.FromMilliseconds(500))
        {
            Assert.Empty(ClusterPlanner.Plan(node1 with { Now = t }));
            var plan = ClusterPlanner.Plan(Input(FailedOnRoute53(Cluster("node2")), memory: memory, settings: settings,
                peers: new[] { Peer("node1", web: ResourceState.OSU, generation: 1) }) with { Now = t });
            var action = Assert.Single(plan);
            if (action.Kind == PlanKind.Hold)
            {
                Assert.Equal(PlannerRule.RetryAfterRoute53Failure, action.Rule);
                Assert.StartsWith("Waiting for Route 53", action.Reason);
                continue;
            }
            Assert.Equal((PlanKind.TakeOver, PlannerRule.RetryWhileNowhere), (action.Kind, action.Rule));
            Assert.Equal(memory.GenerationOf("web") + 1, action.Generation);
            tries.Add(t);
            var attempt = memory.Attempts["web"];
            memory = memory with
            {
                Generations = memory.Generations.SetItem("web", action.Generation),
                Attempts = memory.Attempts.SetItem("web", attempt with { Count = attempt.Count + 1, At = t }),
            };
        }
        var gaps = tries.Zip(tries.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        // ROUTE53_RECORD_INTERVAL doubling, capped at interval × ROUTE53_RECORD_TRY_COUNT: 2, 4, then 6 s apart.
        Assert.Equal(new[] { 2.0, 4.0 }, gaps.Take(2));
        Assert.All(gaps.Skip(2), g => Assert.Equal(6.0, g));
        Assert.True(gaps.Count >= 18, $"retried {gaps.Count} times in two minutes");
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(3, 6)]
    [InlineData(9, 6)]
    public void Route53_retries_double_up_to_the_seeds_record_budget(int attempts, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ClusterPlanner.RetryDelay(new ClusterSettings { RetryInterval = TimeSpan.FromSeconds(2), RetryCount = 3 }, attempts));
}
