using System.Net;
using System.Net.Sockets;
using SiosRoute53.Cluster;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Cluster;

/// <summary>Rule 11: a configuration change needs a majority of the members, and no accepted change is lost.</summary>
public sealed class ConfigQuorumTests
{
    private static readonly List<ClusterMember> Three = new()
    {
        new() { Name = "node1", Paths = new() { "10.0.1.10:7353" } },
        new() { Name = "node2", Paths = new() { "10.0.2.10:7353" } },
        new() { Name = "witness", Role = MemberRole.Witness, Paths = new() { "10.0.3.10:7353" } },
    };

    private static ConfigProposal Proposal(long baseRevision = 7, string baseAuthor = "node1", string id = "p1", string proposer = "node2", long deadline = 1000) =>
        new(id, proposer, baseRevision, baseAuthor, new ClusterConfig("lab", baseRevision + 1, proposer, Three, new(), new()), deadline);

    private static NodeState Member(long revision = 7, string author = "node1", ConfigProposal? held = null) =>
        new() { NodeName = "node1", ClusterName = "lab", ConfigRevision = revision, ConfigAuthor = author, Members = Three, PendingConfig = held };

    [Theory]
    [InlineData(7, "node1", null, true, "stored")]
    [InlineData(8, "node1", null, false, "newer than revision 7")]
    [InlineData(6, "node1", null, false, "older than revision 7")]
    [InlineData(7, "node2", null, false, "different configuration revision 7")]
    [InlineData(7, "node1", "other", false, "holds another undecided change for revision 8 from 'witness'")]
    [InlineData(7, "node1", "p1", true, "stored")]
    [InlineData(7, "node1", "retry", true, "stored")]
    public void A_member_stores_a_change_only_on_the_same_committed_revision_and_only_one_undecided_change_per_revision(
        long revision, string author, string? heldId, bool stored, string reason)
    {
        // "other": held from another proposer; "p1": this very proposal again; "retry": the same proposer's earlier one.
        var held = heldId is null ? null : Proposal(id: heldId, proposer: heldId == "other" ? "witness" : "node2");
        var vote = ConfigQuorum.Vote(Member(revision, author, held), Proposal());
        Assert.Equal(stored, vote.Stored);
        Assert.Contains(reason, vote.Reason);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("node2", true)]
    [InlineData("witness", true)]
    [InlineData("node2,witness", false)]
    public void A_change_is_committed_when_this_node_and_the_members_that_stored_it_are_a_majority(string refusedBy, bool committed)
    {
        var refusals = refusedBy.Split(',', StringSplitOptions.RemoveEmptyEntries).ToDictionary(n => n, n => "not reachable (no answer within 3 s)");
        var verdict = ConfigQuorum.Decide(Three, "node1", refusals);
        Assert.Equal(committed, verdict.Committed);
        if (!committed)
        {
            Assert.Contains("needs a majority of the 3 members (2)", verdict.Reason);
            Assert.Contains("'node2': not reachable", verdict.Reason);
            Assert.Contains("'witness': not reachable", verdict.Reason);
            Assert.Contains("Nothing was changed", verdict.Reason);
        }
    }

    [Fact]
    public void In_a_two_node_cluster_both_nodes_must_store_a_change()
    {
        var two = Three.Take(2).ToList();
        Assert.True(ConfigQuorum.Decide(two, "node1", new Dictionary<string, string>()).Committed);
        Assert.False(ConfigQuorum.Decide(two, "node1", new Dictionary<string, string> { ["node2"] = "not reachable" }).Committed);
    }

    [Theory]
    [InlineData(7, "node1", 8, "node2", ConfigComparison.Adopt)]
    [InlineData(7, "node1", 7, "node1", ConfigComparison.Keep)]
    [InlineData(7, "node1", 6, "node2", ConfigComparison.Keep)]
    [InlineData(7, "node1", 7, "node2", ConfigComparison.Conflict)]
    [InlineData(7, "node2", 7, "node1", ConfigComparison.Conflict)]
    public void Replication_adopts_only_a_higher_committed_revision_and_the_same_revision_from_another_author_is_a_conflict(
        long localRevision, string localAuthor, long peerRevision, string peerAuthor, ConfigComparison expected) =>
        Assert.Equal(expected, ConfigQuorum.Compare(localRevision, localAuthor, peerRevision, peerAuthor));

    [Theory]
    [InlineData(8, false, 0, 0, true)]      // the committed revision arrived
    [InlineData(7, false, 0, 0, false)]     // the proposer was never heard and its deadline has not passed: keep holding it
    [InlineData(7, true, 7, 1000, false)]   // heard before its deadline: it may still commit
    [InlineData(7, true, 7, 1000 + 30_000_000, true)] // heard 3 s after its deadline, still at 7: it gave up
    [InlineData(7, true, 8, 1000 + 30_000_000, false)] // it committed: held until replication brings revision 8
    public void A_held_change_is_dropped_only_once_it_is_committed_or_the_proposer_is_heard_after_its_deadline_without_it(
        long committed, bool heard, long proposerRevision, long proposerAsOf, bool settled)
    {
        var proposer = new PeerRecord { Name = "node2", EverHeard = heard, Alive = heard, ConfigRevision = proposerRevision, ReportAsOf = proposerAsOf };
        Assert.Equal(settled, ConfigQuorum.Settled(Proposal(), committed, proposer, nowTicks: 1000));
    }

    [Theory]
    [InlineData(true, 1000 + 30_000_000, false)]  // alive past its deadline: its own heartbeat tells (above)
    [InlineData(false, 1000 + 10_000_000, false)] // dead, but the deadline and margin have not passed: it may still commit
    [InlineData(false, 1000 + 30_000_000, true)]  // dead past its deadline and the margin: it can no longer commit
    public void A_change_held_for_a_proposer_that_died_in_the_middle_is_given_up_after_its_deadline_so_later_revisions_are_not_blocked(
        bool alive, long nowTicks, bool settled)
    {
        var proposer = new PeerRecord { Name = "node2", EverHeard = true, Alive = alive, ConfigRevision = 7, ReportAsOf = 500 };
        Assert.Equal(settled, ConfigQuorum.Settled(Proposal(), 7, proposer, nowTicks));
        if (settled)
            Assert.True(ConfigQuorum.Vote(Member(), Proposal(id: "p2", proposer: "witness")).Stored, "once the dead proposer's change is dropped, another member's change on the same revision is stored");
    }

    [Theory]
    [InlineData("node2,witness", "node2,witness", true)] // both stopped cleanly (node1's agent heard them leave): 1 of 1
    [InlineData("node2,witness", "", false)]             // both vanished: 1 of 3
    [InlineData("node2,witness", "witness", false)]      // the witness left, node2 vanished: 1 of 2
    [InlineData("witness", "witness", true)]
    public void A_member_that_stopped_its_agent_cleanly_does_not_count_toward_the_majority_a_change_needs(string refusedBy, string left, bool committed)
    {
        var refusals = refusedBy.Split(',', StringSplitOptions.RemoveEmptyEntries).ToDictionary(n => n, n => "not reachable (no answer within 3 s)");
        var verdict = ConfigQuorum.Decide(Three, "node1", refusals, left.Split(',', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(committed, verdict.Committed);
        if (left.Length > 0) Assert.Contains("'witness' (left cleanly)", verdict.Reason);
    }
}

/// <summary>Rule 11 through the real protocol on loopback: agents for node2 and the witness vote on node1's changes.</summary>
public sealed class ConfigQuorumProtocolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("siosr53-config-").FullName;

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private StateStore StoreOf(string node) => new(Path.Combine(_dir, node));

    private sealed class RunningAgent(Task run, CancellationTokenSource stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try { await run; } catch (OperationCanceledException) { }
            stop.Dispose();
        }
    }

    private RunningAgent Start(string node)
    {
        var store = StoreOf(node);
        string tunables = Path.Combine(_dir, node + ".tunables");
        File.WriteAllText(tunables, "");
        var environment = new KitEnvironment { Route53 = (_, _, _) => throw new InvalidOperationException("no Route 53 in this test") };
        var manager = new ResourceManager(store, environment, () => TunableSet.Load(tunables));
        var agent = new NodeAgent(store, manager, () => TunableSet.Load(tunables), environment, _ => { });
        var stop = new CancellationTokenSource();
        return new RunningAgent(Task.Run(() => agent.RunAsync(stop.Token)), stop);
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("Not within 10 s: " + what);
            await Task.Delay(50);
        }
    }

    /// <summary>node1, node2 and a witness on loopback, all at the same committed configuration and key.</summary>
    private void Cluster()
    {
        var members = new List<ClusterMember>
        {
            new() { Name = "node1", Paths = new() { $"127.0.0.1:{FreePort()}" } },
            new() { Name = "node2", Paths = new() { $"127.0.0.1:{FreePort()}" } },
            new() { Name = "witness", Role = MemberRole.Witness, Paths = new() { $"127.0.0.1:{FreePort()}" } },
        };
        var config = new ClusterConfig("lab", 3, "node1", members, new(), new());
        var key = ClusterKey.Generate();
        foreach (var m in members)
        {
            var store = StoreOf(m.Name);
            store.Update(s => ClusterService.Adopt(s with { NodeName = m.Name }, config));
            key.Save(ClusterKey.PathIn(store.Directory), "lab");
        }
    }

    [Fact]
    public async Task A_change_on_an_isolated_node_is_refused_with_the_reason_and_a_change_with_a_majority_reaches_every_member()
    {
        Cluster();
        var node1 = new ClusterService(StoreOf("node1"));

        // node1 alone: nobody else answers.
        var refused = Assert.Throws<ConfigurationNotCommittedException>(() => node1.AddMember("node3", MemberRole.Node, new[] { $"127.0.0.1:{FreePort()}" }));
        Assert.Contains("needs a majority of the 3 members (2)", refused.Message);
        Assert.Contains("'node2': not reachable", refused.Message);
        Assert.Contains("'witness': not reachable", refused.Message);
        Assert.Equal(3, StoreOf("node1").Read().ConfigRevision);
        Assert.Null(StoreOf("node1").Read().Member("node3"));
        Assert.Contains(StoreOf("node1").ReadEvents(), e => e.Outcome == "refused" && e.Rule == PlannerRule.ConfigurationNeedsQuorum);

        // Only the witness is back: node1 and the witness are a majority.
        await using (Start("witness"))
        {
            await Eventually(() => TryConnect(StoreOf("witness").Read().Member("witness")!.Paths[0]), "the witness's agent listens");
            node1.AddMember("node3", MemberRole.Node, new[] { $"127.0.0.1:{FreePort()}" });
            Assert.Equal(4, StoreOf("node1").Read().ConfigRevision);
            await Eventually(() => StoreOf("witness").Read().ConfigRevision == 4, "the witness has the committed revision");
            Assert.NotNull(StoreOf("witness").Read().Member("node3"));
            Assert.Null(StoreOf("witness").Read().PendingConfig);

            // node2 was away: a change it proposes on its stale revision is refused by the witness, which has revision 4.
            var stale = Assert.Throws<ConfigurationNotCommittedException>(() => new ClusterService(StoreOf("node2")).RemoveMember("node1"));
            Assert.Contains("already has configuration revision 4", stale.Message);
            Assert.Equal(3, StoreOf("node2").Read().ConfigRevision);
            Assert.NotNull(StoreOf("node2").Read().Member("node1"));
        }
    }

    private static bool TryConnect(string path)
    {
        var (host, port) = PeerClient.ParsePath(path);
        try { using var c = new TcpClient(); c.Connect(host, port); return true; }
        catch (SocketException) { return false; }
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
