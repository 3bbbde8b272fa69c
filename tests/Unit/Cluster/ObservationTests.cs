using Microsoft.Extensions.Time.Testing;
using SiosRoute53.Cluster;
using SiosRoute53.Model;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Cluster;

/// <summary>The observing side: the peer table, the quorum strategies and the typed settings, with a fake clock.</summary>
public sealed class ObservationTests
{
    private static readonly ClusterMember[] Members =
    {
        new() { Name = "node1" }, new() { Name = "node2" }, new() { Name = "witness", Role = MemberRole.Witness },
    };

    private static HeartbeatBody Beat(string node, long asOf, bool leaving = false, params ResourceStateReport[] resources) =>
        new(node, 1, node, resources.ToList(), true, asOf, new List<string> { "node1" }, leaving);

    [Fact]
    public void A_peer_is_dead_after_the_dead_time_without_a_heartbeat_and_alive_again_when_heard()
    {
        var time = new FakeTimeProvider();
        var table = new PeerTable(time);
        table.Evaluate(Members, "node1", TimeSpan.FromSeconds(3));
        table.Heard("node2", Beat("node2", 1));
        Assert.Equal(new[] { new PeerTransition("node2", PeerChange.Restored) }, table.Evaluate(Members, "node1", TimeSpan.FromSeconds(3)));
        time.Advance(TimeSpan.FromMilliseconds(2900));
        Assert.Empty(table.Evaluate(Members, "node1", TimeSpan.FromSeconds(3)));
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(new[] { new PeerTransition("node2", PeerChange.Lost) }, table.Evaluate(Members, "node1", TimeSpan.FromSeconds(3)));
        Assert.False(table.Snapshot.IsAlive("node2"));
        table.Heard("node2", Beat("node2", 2));
        Assert.Equal(new[] { new PeerTransition("node2", PeerChange.Restored) }, table.Evaluate(Members, "node1", TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void An_older_report_never_replaces_a_newer_one_but_still_counts_as_heard()
    {
        var time = new FakeTimeProvider();
        var table = new PeerTable(time);
        table.Heard("node2", Beat("node2", 20, false, new ResourceStateReport("web", ResourceState.ISP, 2)));
        time.Advance(TimeSpan.FromSeconds(2));
        table.Heard("node2", Beat("node2", 10, false, new ResourceStateReport("web", ResourceState.OSU, 1)));
        var peer = table.Snapshot["node2"]!;
        Assert.Equal(ResourceState.ISP, peer.Report("web")!.State);
        Assert.Equal(time.GetTimestamp(), peer.LastHeard);
    }

    [Fact]
    public void A_snapshot_does_not_change_when_the_table_does()
    {
        var table = new PeerTable(new FakeTimeProvider());
        table.Heard("node2", Beat("node2", 1));
        var before = table.Snapshot;
        table.Heard("witness", Beat("witness", 1));
        Assert.Single(before.Peers);
        Assert.Equal(2, table.Snapshot.Peers.Count);
    }

    [Fact]
    public void Rule_1_a_peer_counted_dead_that_comes_back_and_stops_cleanly_before_it_is_heard_alive_is_recorded_as_left_once()
    {
        var time = new FakeTimeProvider();
        var table = new PeerTable(time);
        var twoNodes = new[] { new ClusterMember { Name = "node1" }, new ClusterMember { Name = "node2" } };
        table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3));
        table.Heard("node2", Beat("node2", 1));
        table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(new[] { new PeerTransition("node2", PeerChange.Lost) }, table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3)));

        // Its agent restarts and is stopped again before this node evaluates it alive: the first word heard is its leave.
        table.Heard("node2", Beat("node2", 2, leaving: true));
        Assert.Equal(new[] { new PeerTransition("node2", PeerChange.Left) }, table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3)));
        Assert.Empty(table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3)));
        Assert.True(new MajorityQuorum().Evaluate(new QuorumInput("node1", twoNodes, table.Snapshot)).Ok);
    }

    [Fact]
    public void Rule_1_a_clean_leave_is_not_a_loss_and_shrinks_the_expected_votes()
    {
        var time = new FakeTimeProvider();
        var table = new PeerTable(time);
        var twoNodes = new[] { new ClusterMember { Name = "node1" }, new ClusterMember { Name = "node2" } };
        table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3));
        table.Heard("node2", Beat("node2", 1));
        table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3));
        table.Heard("node2", Beat("node2", 2, leaving: true));
        Assert.Equal(new[] { new PeerTransition("node2", PeerChange.Left) }, table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3)));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3)));
        var verdict = new MajorityQuorum().Evaluate(new QuorumInput("node1", twoNodes, table.Snapshot));
        Assert.True(verdict.Ok, verdict.Reason);
        Assert.Contains("'node2' (left cleanly)", verdict.Reason);

        table.Heard("node2", Beat("node2", 3));
        table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(new[] { new PeerTransition("node2", PeerChange.Lost) }, table.Evaluate(twoNodes, "node1", TimeSpan.FromSeconds(3)));
        Assert.False(new MajorityQuorum().Evaluate(new QuorumInput("node1", twoNodes, table.Snapshot)).Ok);
    }

    [Fact]
    public void Rule_5_a_member_added_while_the_agent_runs_does_not_vote_until_it_is_heard()
    {
        var time = new FakeTimeProvider();
        var table = new PeerTable(time);
        var alone = new[] { new ClusterMember { Name = "node1" } };
        table.Evaluate(alone, "node1", TimeSpan.FromSeconds(3));
        var added = new[] { new ClusterMember { Name = "node1" }, new ClusterMember { Name = "node2" } };
        table.Evaluate(added, "node1", TimeSpan.FromSeconds(3));
        var verdict = new MajorityQuorum().Evaluate(new QuorumInput("node1", added, table.Snapshot));
        Assert.True(verdict.Ok, verdict.Reason);
        Assert.Contains("joining", verdict.Reason);

        table.Heard("node2", Beat("node2", 1));
        table.Evaluate(added, "node1", TimeSpan.FromSeconds(3));
        time.Advance(TimeSpan.FromSeconds(4));
        table.Evaluate(added, "node1", TimeSpan.FromSeconds(3));
        Assert.False(new MajorityQuorum().Evaluate(new QuorumInput("node1", added, table.Snapshot)).Ok);
    }

    [Fact]
    public void Rule_5_a_member_known_at_start_and_never_heard_still_counts()
    {
        var table = new PeerTable(new FakeTimeProvider());
        table.Evaluate(Members, "node2", TimeSpan.FromSeconds(3));
        var verdict = new MajorityQuorum().Evaluate(new QuorumInput("node2", Members, table.Snapshot));
        Assert.False(verdict.Ok);
        Assert.Equal("no majority: only 1 of 3 members reachable", verdict.Reason);
    }

    [Fact]
    public void Tcp_remote_is_not_quorum_before_a_probe_and_when_its_last_probe_is_old()
    {
        var time = new FakeTimeProvider();
        var quorum = new TcpRemoteQuorum(time);
        var input = new QuorumInput("node1", Members, PeerSnapshot.Empty);
        Assert.Contains("not been probed yet", quorum.Evaluate(input).Reason);
        Assert.False(quorum.Evaluate(input).Ok);
        Assert.True(new NoQuorum().Evaluate(input).Ok);
    }

    [Theory]
    [InlineData("QUORUM_MODE", "majority", null)]
    [InlineData("QUORUM_MODE", "tcp_remote", null)]
    [InlineData("QUORUM_MODE", "Majority", "QUORUM_MODE='Majority' is not one of majority, tcp_remote, none")]
    [InlineData("WITNESS_MODE", "remote-verify", "WITNESS_MODE='remote-verify' is not one of remote_verify, none")]
    [InlineData("QUORUM_LOSS_ACTION", "halt", "QUORUM_LOSS_ACTION='halt' is not one of osu, fastkill, fastboot")]
    public void An_unknown_mode_is_an_error_naming_the_key_and_the_choices_never_silently_majority(string key, string value, string? error)
    {
        static object Parse(string key, string value) => key switch
        {
            "QUORUM_MODE" => ClusterSettings.Parse(key, value, ("majority", QuorumMode.Majority), ("tcp_remote", QuorumMode.TcpRemote), ("none", QuorumMode.None)),
            "WITNESS_MODE" => ClusterSettings.Parse(key, value, ("remote_verify", WitnessMode.RemoteVerify), ("none", WitnessMode.None)),
            _ => ClusterSettings.Parse(key, value, ("osu", QuorumLossAction.Osu), ("fastkill", QuorumLossAction.Fastkill), ("fastboot", QuorumLossAction.Fastboot)),
        };
        if (error is null) { Parse(key, value); return; }
        var e = Assert.Throws<ClusterSettingsException>(() => Parse(key, value));
        Assert.Contains(error, e.Message);
        Assert.Equal(key, e.Key);
    }

    [Fact]
    public void Settings_come_typed_from_the_tunables()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("siosr53-settings-").FullName, "tunables");
        File.WriteAllText(file, "LCMHBEATTIME=2\nLCMNUMHBEATS=4\nQUORUM_MODE=tcp_remote\nQUORUM_HOSTS=10.0.0.1:22, 10.0.0.2:22\nQUORUM_LOSS_ACTION=fastboot\n");
        var s = ClusterSettings.From(TunableSet.Load(file));
        Assert.Equal(TimeSpan.FromSeconds(8), s.DeadAfter);
        Assert.Equal(QuorumMode.TcpRemote, s.QuorumMode);
        Assert.Equal(new[] { "10.0.0.1:22", "10.0.0.2:22" }, s.QuorumHosts);
        Assert.Equal(QuorumLossAction.Fastboot, s.QuorumLossAction);
        Directory.Delete(Path.GetDirectoryName(file)!, true);
    }

    [Theory]
    [InlineData("node1,node2", QuorumMode.Majority, "", "Two nodes and no witness")]
    [InlineData("node1", QuorumMode.Majority, "", "will need a witness")]
    [InlineData("node1,node2,witness", QuorumMode.Majority, "", null)]
    [InlineData("node1,node2", QuorumMode.TcpRemote, "10.0.0.5:22", null)]
    [InlineData("node1,node2", QuorumMode.TcpRemote, "", "Two nodes and no witness")]
    [InlineData("node1,node2", QuorumMode.None, "", "QUORUM_MODE=none")]
    [InlineData("node1,node2,node3", QuorumMode.Majority, "", null)]
    public void Rule_1_a_two_node_cluster_without_a_witness_is_flagged(string members, QuorumMode mode, string hosts, string? warning)
    {
        var list = members.Split(',').Select(n => new ClusterMember { Name = n, Role = n == "witness" ? MemberRole.Witness : MemberRole.Node }).ToList();
        var settings = new ClusterSettings { QuorumMode = mode, QuorumHosts = hosts.Split(',', StringSplitOptions.RemoveEmptyEntries) };
        string? said = settings.TwoNodeWarning(list);
        if (warning is null) Assert.Null(said);
        else
        {
            Assert.Contains(warning, said);
            Assert.Contains("Join-HaCluster -Witness", said);
        }
    }
}
