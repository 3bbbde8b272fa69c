using SiosRoute53.Cluster;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Tests.Unit.Cluster;

public sealed class MembershipTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("siosr53-cluster-").FullName;

    private StateStore Store(string name = "n") => new(Path.Combine(_dir, name));

    [Fact]
    public void Creating_a_cluster_names_the_node_keys_its_resources_and_writes_a_key()
    {
        var store = Store();
        store.Update(s => s with
        {
            NodeName = "oldhost",
            Resources = new() { new ResourceDefinition { Tag = "ip", Kind = ResourceKind.Ip, Nodes = new(StringComparer.OrdinalIgnoreCase) { ["oldhost"] = new NodeInstance { Settings = new() { ["Address"] = "10.0.1.10" } } } } },
            States = new() { new ResourceStatus { Tag = "ip", Node = "oldhost", State = ResourceState.ISP } },
        });
        var service = new ClusterService(store);
        var state = service.Create("lab", "node1", new[] { "10.0.1.10:7353" });

        Assert.Equal("node1", state.NodeName);
        Assert.True(state.Resources[0].Nodes.ContainsKey("node1"));
        Assert.Equal(ResourceState.ISP, state.StatusOf("ip", "node1").State);
        Assert.True(File.Exists(service.KeyPath));
        Assert.Contains("already a member", Assert.Throws<HaArgumentException>(() => service.Create("lab2", "node1", new[] { "10.0.1.10:7354" })).Message);
    }

    [Theory]
    [InlineData("10.0.1.10", "is not address:port")]
    [InlineData("node2.example:7353", "must use an IP address")]
    [InlineData("10.0.1.10:99999", "is not address:port")]
    public void Bad_paths_are_refused_naming_them(string path, string expected)
    {
        var service = new ClusterService(Store());
        service.Create("lab", "node1", new[] { "10.0.1.10:7353" });
        var e = Assert.ThrowsAny<Exception>(() => service.AddMember("node2", MemberRole.Node, new[] { path }));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Members_are_added_once_each_path_belongs_to_one_and_removal_drops_their_extensions()
    {
        // The bookkeeping only: the members never run, so this store commits every change locally.
        var store = new StateStore(Path.Combine(_dir, "n")) { CommitConfig = (_, next, _) => next };
        var service = new ClusterService(store);
        service.Create("lab", "node1", new[] { "10.0.1.10:7353" });
        long before = store.Read().ConfigRevision;
        service.AddMember("node2", MemberRole.Node, new[] { "10.0.2.10:7353" });
        service.AddMember("witness", MemberRole.Witness, new[] { "10.0.3.10:7353" });
        Assert.Equal(before + 2, store.Read().ConfigRevision);
        Assert.Contains("already a member", Assert.Throws<HaArgumentException>(() => service.AddMember("NODE2", MemberRole.Node, new[] { "10.0.9.9:1" })).Message);
        Assert.Contains("already belongs to 'node2'", Assert.Throws<HaArgumentException>(() => service.AddMember("node3", MemberRole.Node, new[] { "10.0.2.10:7353" })).Message);
        Assert.Contains("is this node", Assert.Throws<HaArgumentException>(() => service.RemoveMember("node1")).Message);

        store.Update(s => s with { Resources = new() { new ResourceDefinition { Tag = "ip", Kind = ResourceKind.Ip, Nodes = new(StringComparer.OrdinalIgnoreCase) { ["node1"] = new(), ["node2"] = new() } } } });
        service.RemoveMember("node2");
        Assert.False(store.Read().Resources[0].Nodes.ContainsKey("node2"));
        Assert.Null(store.Read().Member("node2"));
    }

    [Fact]
    public void Only_a_higher_committed_revision_replaces_a_configuration_never_the_same_revision_from_another_author()
    {
        var state = new NodeState { NodeName = "node1", ConfigRevision = 5, ConfigAuthor = "node1" };
        ClusterConfig Config(long revision, string author) => new("lab", revision, author, new(), new(), new());
        Assert.True(Config(6, "node1").IsNewerThan(state));
        Assert.False(Config(4, "node9").IsNewerThan(state));
        Assert.False(Config(5, "node2").IsNewerThan(state));
        Assert.False(Config(5, "node0").IsNewerThan(state));
    }

    [Fact]
    public void Adopting_a_configuration_keeps_local_states_of_resources_that_still_exist()
    {
        var state = new NodeState
        {
            NodeName = "node2",
            States = new() { new ResourceStatus { Tag = "keep", Node = "node2", State = ResourceState.ISP }, new ResourceStatus { Tag = "gone", Node = "node2", State = ResourceState.OSU } },
        };
        var config = new ClusterConfig("lab", 9, "node1", new() { new ClusterMember { Name = "node1" }, new ClusterMember { Name = "node2" } },
            new() { new ResourceDefinition { Tag = "keep", Kind = ResourceKind.Ip } }, new());
        var adopted = ClusterService.Adopt(state, config);
        Assert.Equal(9, adopted.ConfigRevision);
        Assert.Equal("lab", adopted.ClusterName);
        Assert.Equal(new[] { "keep" }, adopted.States.Select(s => s.Tag));
        Assert.Equal(ResourceState.ISP, adopted.StatusOf("keep", "node2").State);
    }

    [Theory]
    [InlineData(3, 2, true)]
    [InlineData(3, 1, false)]
    [InlineData(2, 1, false)]
    [InlineData(2, 2, true)]
    [InlineData(5, 3, true)]
    public void Majority_needs_more_than_half(int members, int reachable, bool ok) =>
        Assert.Equal(ok, MajorityQuorum.Majority(members, reachable).Ok);

    public void Dispose() => Directory.Delete(_dir, true);
}

public sealed class TcpRemoteQuorumTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("siosr53-quorum-").FullName;

    private Task<QuorumVerdict> Probe(string hosts)
    {
        string file = Path.Combine(_dir, "tunables");
        File.WriteAllText(file, $"QUORUM_MODE=tcp_remote\nQUORUM_HOSTS={hosts}\nQUORUM_TIMEOUT_SECS=2\n");
        var settings = ClusterSettings.From(SiosRoute53.Tunables.TunableSet.Load(file));
        return TcpRemoteQuorum.ProbeAsync(settings.QuorumHosts, settings.QuorumTimeout, default);
    }

    private static int ClosedPort()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    [Fact]
    public async Task More_than_half_of_the_quorum_hosts_must_answer_within_the_timeout()
    {
        var open1 = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        var open2 = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        open1.Start();
        open2.Start();
        try
        {
            string a = $"127.0.0.1:{((System.Net.IPEndPoint)open1.LocalEndpoint).Port}";
            string b = $"127.0.0.1:{((System.Net.IPEndPoint)open2.LocalEndpoint).Port}";
            string closed = $"127.0.0.1:{ClosedPort()}";
            var two = await Probe($"{a},{b},{closed}");
            Assert.True(two.Ok, two.Reason);
            Assert.Contains("2 of 3", two.Reason);
            var one = await Probe($"{a},{closed},127.0.0.1:{ClosedPort()}");
            Assert.False(one.Ok);
            var half = await Probe($"{a},{closed}");
            Assert.False(half.Ok);
            var none = await Probe("");
            Assert.False(none.Ok);
            Assert.Contains("QUORUM_HOSTS is empty", none.Reason);
        }
        finally
        {
            open1.Stop();
            open2.Stop();
        }
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
