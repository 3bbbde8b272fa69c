using Microsoft.Extensions.Time.Testing;
using SiosRoute53.Cluster;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Store;
using SiosRoute53.Tests.Unit.Hierarchy;
using SiosRoute53.Tests.Unit.Server;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Cluster;

/// <summary>The agent's loops and actions without sockets or root: rule 9 (no exception ends a loop), rule 7's classification, rule 4's generation on the record.</summary>
public sealed class AgentLoopTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("siosr53-agent-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    private string TunablesFile => Path.Combine(_dir, "tunables");

    private (StateStore Store, ResourceManager Manager, ClusterEvents Events, ActionExecutor Executor, ClusterObserver Observer) Agent()
    {
        File.WriteAllText(TunablesFile, "LCMHBEATTIME=1\nLCMNUMHBEATS=3\n");
        var store = new StateStore(Path.Combine(_dir, "state"), _time);
        store.Update(s => s with
        {
            NodeName = "node1",
            ClusterName = "lab",
            Members = new() { new ClusterMember { Name = "node1", Paths = new() { "127.0.0.1:1" } } },
            Resources = new() { new ResourceDefinition { Tag = "web", Kind = ResourceKind.Service, Nodes = new(StringComparer.OrdinalIgnoreCase) { ["node1"] = new() } },
                                new ResourceDefinition { Tag = "web-dns", Kind = ResourceKind.Route53, Nodes = new(StringComparer.OrdinalIgnoreCase) { ["node1"] = new() } } },
        });
        var environment = new KitEnvironment { Route53 = (_, _, _) => throw new InvalidOperationException("no Route 53 in this test"), Time = _time, Commands = new FakeCommands() };
        var manager = new ResourceManager(store, environment, () => TunableSet.Load(TunablesFile));
        var events = new ClusterEvents(store, _time, _ => { }) { Node = "node1" };
        ClusterObserver observer = null!;
        var executor = new ActionExecutor(manager, () => observer.Settings(), events, environment);
        var table = new PeerTable(_time);
        observer = new ClusterObserver("node1", store, () => TunableSet.Load(TunablesFile), table,
            new Heartbeater(table, new PeerClient(ClusterKey.Generate(), "lab", "node1", _time)), executor, events, _time, new TcpRemoteQuorum(_time));
        return (store, manager, events, executor, observer);
    }

    private static async Task WaitUntil(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting until " + because);
            await Task.Delay(5);
        }
    }

    private static int Count(StateStore store, string action, string outcome) => store.ReadEvents().Count(e => e.Action == action && e.Outcome == outcome);

    [Fact]
    public async Task Rule_9_a_failing_round_is_an_event_the_loop_goes_on_and_a_node_that_cannot_observe_stops_answering_heartbeats()
    {
        var (store, _, _, _, observer) = Agent();
        using var stop = new CancellationTokenSource();
        var loop = observer.RunAsync(stop.Token);
        Assert.True(observer.Observing);

        string good = File.ReadAllText(store.StatePath);
        File.WriteAllText(store.StatePath, "{ not json");
        for (int second = 1; second <= 5; second++)
        {
            int before = Count(store, "agent", "error");
            _time.Advance(TimeSpan.FromSeconds(1));
            await WaitUntil(() => Count(store, "agent", "error") > before, $"round {second} fails and says so");
        }
        Assert.False(observer.Observing);
        Assert.False(loop.IsCompleted);
        var fault = store.ReadEvents().Last(e => e.Action == "agent" && e.Outcome == "error");
        Assert.Equal(PlannerRule.LoopSurvivesFault, fault.Rule);
        Assert.Contains("StoreException", fault.Message);

        File.WriteAllText(store.StatePath, good);
        _time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntil(() => observer.Observing, "the loop observes again once the state is readable");
        stop.Cancel();
        await loop;
    }

    [Fact]
    public async Task Rule_6_heartbeat_rounds_go_on_while_an_action_holds_the_executor()
    {
        var (store, _, _, executor, observer) = Agent();
        var endless = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        // A restore waiting on INSYNC, a handover or a switchover: it holds the executor for as long as it likes.
        var action = executor.ExclusiveAsync(_ => endless.Task, cancellable: false, default);
        using var stop = new CancellationTokenSource();
        var loop = observer.RunAsync(stop.Token);
        for (int second = 1; second <= 10; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await WaitUntil(() => observer.Quorum.Reason != "not evaluated yet" || second < 3, $"round {second} evaluates quorum");
        }
        Assert.True(observer.Observing, "ten heartbeat rounds completed while the action held the executor");
        Assert.True(observer.Quorum.Ok, observer.Quorum.Reason);
        Assert.False(action.IsCompleted);
        endless.SetResult(0);
        await action;
        stop.Cancel();
        await loop;
    }

    [Fact]
    public void Rule_9_a_tunables_typo_keeps_the_last_good_settings_and_is_said_once()
    {
        var (store, _, _, _, observer) = Agent();
        File.WriteAllText(TunablesFile, "LCMHBEATTIME=2\n");
        Assert.Equal(TimeSpan.FromSeconds(2), observer.Settings().HeartbeatInterval);
        File.WriteAllText(TunablesFile, "LCMHBEATTIME=2\nQUORUM_MODE=majorty\n");
        Assert.Equal(TimeSpan.FromSeconds(2), observer.Settings().HeartbeatInterval);
        Assert.Equal(QuorumMode.Majority, observer.Settings().QuorumMode);
        var said = store.ReadEvents().Where(e => e.Action == "agent" && e.Outcome == "settings").ToList();
        Assert.Single(said);
        Assert.Contains("QUORUM_MODE", said[0].Message);
    }

    [Fact]
    public async Task Rule_9_an_action_that_throws_is_an_event_and_the_executor_takes_the_next_one()
    {
        var (store, _, _, executor, _) = Agent();
        // The lease held by another live process (a scheduled Test-HaResource -Recover) while this node fences itself.
        store.Update(s => s.WithStatus(new ResourceStatus { Tag = "web", Node = "node1", State = ResourceState.ISP, BusyPid = 1, BusyAction = "recover", BusySince = _time.GetUtcNow() }));
        using var stop = new CancellationTokenSource();
        var loop = executor.RunAsync(stop.Token);
        executor.Post(new[] { new PlannedAction(PlanKind.Fence, "web", PlannerRule.FenceOnQuorumLoss, "Quorum lost (test).") });
        await WaitUntil(() => !executor.Memory.Busy.Contains("web") && Count(store, "agent", "error") == 1, "the fence fails and the executor is free again");
        Assert.Contains("ResourceBusyException", store.ReadEvents().Last(e => e.Action == "agent").Message);
        executor.Post(new[] { new PlannedAction(PlanKind.Fence, "web", PlannerRule.FenceOnQuorumLoss, "Quorum lost (test).") });
        await WaitUntil(() => Count(store, "agent", "error") == 2, "the next action runs too");
        Assert.False(loop.IsCompleted);
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public void Rule_8_a_decision_not_to_act_is_recorded_once_with_its_rule_until_it_changes()
    {
        var (store, _, _, executor, _) = Agent();
        var veto = new PlannedAction(PlanKind.Hold, "web", PlannerRule.WitnessVeto, "'node2' seems dead here, but 'witness' still hears it.");
        executor.Post(new[] { veto });
        executor.Post(new[] { veto });
        executor.Post(new[] { veto with { Rule = PlannerRule.NextByPriority, Reason = "'node3' is next by priority." } });
        var held = store.ReadEvents().Where(e => e.Outcome == "held").ToList();
        Assert.Equal(new[] { PlannerRule.WitnessVeto, PlannerRule.NextByPriority }, held.Select(e => e.Rule));
        Assert.All(held, e => Assert.Equal("web", e.Tag));
    }

    [Fact]
    public void A_generation_the_node_claimed_survives_an_agent_restart_and_never_goes_down()
    {
        var (store, _, _, executor, _) = Agent();
        executor.KeepGeneration("web", 4);
        executor.KeepGeneration("WEB", 3);
        Assert.Equal(4, executor.Memory.GenerationOf("web"));
        Assert.Equal(4, store.Read().Generations["web"]);
        Assert.True(Mode(store.StatePath) is var mode && (mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) == 0, "the state file stays root-only");

        var (_, _, _, restarted, _) = Agent();
        Assert.Equal(0, restarted.Memory.GenerationOf("web"));
        Assert.Equal(4, store.Read().Generations["web"]);
        restarted.Load(store.Read());
        Assert.Equal(4, restarted.Memory.GenerationOf("Web"));
        Assert.Equal(5, restarted.NextGeneration("web", PeerSnapshot.Empty));
    }

    private static UnixFileMode Mode(string path) => File.GetUnixFileMode(path);

    [Theory]
    [InlineData("web-dns", "failed", FailureKind.Route53)]
    [InlineData("web-dns", "lost", FailureKind.Lost)]
    [InlineData("web", "failed", FailureKind.Local)]
    public void Rule_7_a_failed_takeover_is_classified_by_the_kind_of_resource_that_failed_not_by_its_message(string tag, string outcome, FailureKind kind)
    {
        var (_, _, _, executor, _) = Agent();
        var result = new HaOperationResult
        {
            Operation = "start", Tag = "web", Node = "node1", Succeeded = false, Message = "Throttling: Rate exceeded",
            Steps = new[] { new HaStep { Tag = tag, Action = "restore", Outcome = outcome, Message = "Throttling: Rate exceeded" } },
        };
        Assert.Equal(kind, executor.Classify(result));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}

/// <summary>Rule 4 on the record itself: the ownership mark carries a generation; a stale claim loses and changes nothing.</summary>
public sealed class OwnershipGenerationTests
{
    [Fact]
    public async Task Rule_4_a_paused_owner_that_wakes_with_an_older_generation_never_moves_the_record_back()
    {
        var server = await TestServer.StartAsync(TimeSpan.FromMilliseconds(50));
        await using var _ = server;
        var zone = await server.CreateZoneAsync();
        using var node1 = new NodeLab(server, "node1", address: "10.0.1.10");
        using var node2 = new NodeLab(server, "node2", address: "10.0.2.10");
        await node1.CreateSeedHierarchyAsync(zone);
        await node2.CreateSeedHierarchyAsync(zone);

        using (OwnershipMark.ClaimGeneration(1))
            Assert.True((await node1.Manager.StartAsync("web-dns", node1.Options(), default)).Succeeded);
        using (OwnershipMark.ClaimGeneration(2))
            Assert.True((await node2.Manager.StartAsync("web-dns", node2.Options(), default)).Succeeded);
        // node1 wakes up and carries on with its old claim.
        await node1.Manager.StopAsync("web-dns", node1.Options(), default);
        HaOperationResult stale;
        using (OwnershipMark.ClaimGeneration(1))
            stale = await node1.Manager.StartAsync("web-dns", node1.Options(), default);

        Assert.False(stale.Succeeded);
        Assert.Contains("generation 2", stale.Message);
        Assert.Equal(ResourceState.OSU, node1.StateOf("web-dns"));
        using var client = server.Client();
        Assert.Equal("10.0.2.10", (await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A")).Single().Values.Single());
        var mark = OwnershipMark.Parse((await client.GetRecordSetsAsync(zone.Id, OwnershipMark.NameFor("app.corp.example."), "TXT")).Single());
        Assert.Equal(new OwnershipMark("lab", "web-dns", "node2"), mark);
        Assert.Equal(2, mark!.Generation);
    }

    [Fact]
    public async Task Rule_4_a_claim_equal_to_another_nodes_mark_loses_and_changes_nothing()
    {
        var server = await TestServer.StartAsync(TimeSpan.FromMilliseconds(50));
        await using var _ = server;
        var zone = await server.CreateZoneAsync();
        using var node1 = new NodeLab(server, "node1", address: "10.0.1.10");
        using var node2 = new NodeLab(server, "node2", address: "10.0.2.10");
        await node1.CreateSeedHierarchyAsync(zone);
        await node2.CreateSeedHierarchyAsync(zone);

        // Both heard generation 2 as the newest and both claim 3: node1 writes first.
        using (OwnershipMark.ClaimGeneration(3))
            Assert.True((await node1.Manager.StartAsync("web-dns", node1.Options(), default)).Succeeded);
        HaOperationResult second;
        using (var claim = OwnershipMark.ClaimGeneration(3))
        {
            second = await node2.Manager.StartAsync("web-dns", node2.Options(), default);
            Assert.Equal(("node1", 3L), claim.RefusedBy);
            Assert.Null(claim.Written);
        }

        Assert.False(second.Succeeded);
        Assert.Contains("generation 3, not older than this node's claim (3)", second.Message);
        Assert.Equal(ResourceState.OSU, node2.StateOf("web-dns"));
        using var client = server.Client();
        Assert.Equal("10.0.1.10", (await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A")).Single().Values.Single());
        Assert.Equal(new OwnershipMark("lab", "web-dns", "node1") { Generation = 3 },
            OwnershipMark.Parse((await client.GetRecordSetsAsync(zone.Id, OwnershipMark.NameFor("app.corp.example."), "TXT")).Single()));
    }

    [Fact]
    public async Task The_owner_learns_the_generation_it_wrote_and_a_newer_claim_on_its_own_record_raises_the_mark()
    {
        var server = await TestServer.StartAsync(TimeSpan.FromMilliseconds(50));
        await using var _ = server;
        var zone = await server.CreateZoneAsync();
        using var node1 = new NodeLab(server, "node1", address: "10.0.1.10");
        await node1.CreateSeedHierarchyAsync(zone);
        using (var claim = OwnershipMark.ClaimGeneration(3))
        {
            Assert.True((await node1.Manager.StartAsync("web-dns", node1.Options(), default)).Succeeded);
            Assert.Equal(3, claim.Written);
        }
        await node1.Manager.StopAsync("web-dns", node1.Options(), default);
        // A node that claimed 4 meanwhile died before writing; node1 takes the hierarchy back with 5. The record is
        // already node1's, but the mark must carry 5: a stale claim of 4 must not win it.
        using (var claim = OwnershipMark.ClaimGeneration(5))
        {
            Assert.True((await node1.Manager.StartAsync("web-dns", node1.Options(), default)).Succeeded);
            Assert.Equal(5, claim.Written);
        }
        using var client = server.Client();
        Assert.Equal(5, OwnershipMark.Parse((await client.GetRecordSetsAsync(zone.Id, OwnershipMark.NameFor("app.corp.example."), "TXT")).Single())!.Generation);
    }

    [Fact]
    public async Task An_operators_start_takes_the_generation_after_the_marks()
    {
        var server = await TestServer.StartAsync(TimeSpan.FromMilliseconds(50));
        await using var _ = server;
        var zone = await server.CreateZoneAsync();
        using var node1 = new NodeLab(server, "node1", address: "10.0.1.10");
        using var node2 = new NodeLab(server, "node2", address: "10.0.2.10");
        await node1.CreateSeedHierarchyAsync(zone);
        await node2.CreateSeedHierarchyAsync(zone);
        using (OwnershipMark.ClaimGeneration(7))
            Assert.True((await node1.Manager.StartAsync("web-dns", node1.Options(), default)).Succeeded);
        Assert.True((await node2.Manager.StartAsync("web-dns", node2.Options(), default)).Succeeded);
        using var client = server.Client();
        Assert.Equal(8, OwnershipMark.Parse((await client.GetRecordSetsAsync(zone.Id, OwnershipMark.NameFor("app.corp.example."), "TXT")).Single())!.Generation);
        // node2 keeps what its operator's start wrote, so its agent reports it and the next owner claims 9 or more.
        Assert.Equal(8, node2.Manager.State().GenerationOf("web"));
    }

    [Fact]
    public async Task An_operators_first_start_keeps_the_generation_it_wrote_so_a_takeover_from_this_node_claims_a_newer_one()
    {
        var server = await TestServer.StartAsync(TimeSpan.FromMilliseconds(50));
        await using var _ = server;
        var zone = await server.CreateZoneAsync();
        using var node1 = new NodeLab(server, "node1", address: "10.0.1.10");
        using var node2 = new NodeLab(server, "node2", address: "10.0.2.10");
        await node1.CreateSeedHierarchyAsync(zone);
        await node2.CreateSeedHierarchyAsync(zone);
        Assert.True((await node1.Manager.StartAsync("web-dns", node1.Options(), default)).Succeeded);
        long kept = node1.Manager.State().GenerationOf("web");
        Assert.Equal(1, kept);
        // node1 dies; node2 heard node1's kept generation and claims the next one: the record moves.
        using (OwnershipMark.ClaimGeneration(kept + 1))
            Assert.True((await node2.Manager.StartAsync("web-dns", node2.Options(), default)).Succeeded);
        using var client = server.Client();
        Assert.Equal("10.0.2.10", (await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A")).Single().Values.Single());
    }

    [Fact]
    public void Marks_without_a_generation_still_parse_and_equal_marks_name_the_same_owner()
    {
        var old = OwnershipMark.Parse(new ResourceRecordSet("_siosroute53.app.corp.example.", "TXT", 10, new[] { "\"siosroute53 cluster=lab resource=web-dns node=node1\"" }));
        Assert.Equal(0, old!.Generation);
        var mark = new OwnershipMark("lab", "web-dns", "node1") { Generation = 3 };
        Assert.Equal(mark, old);
        Assert.Equal(3, OwnershipMark.Parse(mark.ToRecordSet("app.corp.example.", 10))!.Generation);
    }
}
