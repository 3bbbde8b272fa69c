using SiosRoute53.Cluster;
using SiosRoute53.Model;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Cluster;

public sealed class ClusterStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 55, 0, TimeSpan.Zero);
    private static readonly TunableSet Defaults = TunableSet.Load(Path.Combine(Path.GetTempPath(), "siosr53-no-such-tunables"));

    private static ResourceDefinition Resource(string tag, ResourceKind kind, params (string Node, int Priority)[] nodes) => new()
    {
        Tag = tag,
        Kind = kind,
        Nodes = nodes.ToDictionary(n => n.Node, n => new NodeInstance { Priority = n.Priority }, StringComparer.OrdinalIgnoreCase),
    };

    private static NodeState Cluster() => new()
    {
        NodeName = "ip-10-0-1-10",
        ClusterName = "prod",
        Members = new()
        {
            new ClusterMember { Name = "ip-10-0-1-10", Paths = new() { "10.0.1.10:7353" } },
            new ClusterMember { Name = "ip-10-0-2-10", Paths = new() { "10.0.2.10:7353" } },
            new ClusterMember { Name = "witness", Role = MemberRole.Witness, Paths = new() { "10.0.3.10:7353" } },
        },
        Resources = new()
        {
            Resource("web-ip", ResourceKind.Ip, ("ip-10-0-1-10", 1), ("ip-10-0-2-10", 2)),
            Resource("web-dns", ResourceKind.Route53, ("ip-10-0-1-10", 1), ("ip-10-0-2-10", 2)),
            Resource("web", ResourceKind.Service, ("ip-10-0-1-10", 1), ("ip-10-0-2-10", 2)),
        },
        Dependencies = new() { new Dependency("web", "web-dns"), new Dependency("web-dns", "web-ip") },
        States = new()
        {
            new ResourceStatus { Tag = "web", Node = "ip-10-0-1-10", State = ResourceState.ISP },
            new ResourceStatus { Tag = "web-dns", Node = "ip-10-0-1-10", State = ResourceState.ISP },
            new ResourceStatus { Tag = "web-ip", Node = "ip-10-0-1-10", State = ResourceState.ISP },
        },
    };

    private static HaClusterMember Answer(string name, bool reachable, MemberRole role = MemberRole.Node, params ResourceStateReport[] resources) => new()
    {
        Name = name,
        Role = role,
        Paths = new[] { "10.0.0.1:7353" },
        Reachable = reachable,
        Quorum = reachable ? true : null,
        Resources = resources,
        Problem = reachable ? null : "no answer",
    };

    [Fact]
    public void A_hierarchy_is_a_tree_with_this_nodes_states_from_its_store_and_the_others_as_they_report_them()
    {
        var answers = new[]
        {
            Answer("ip-10-0-1-10", true),
            Answer("ip-10-0-2-10", true, MemberRole.Node, new ResourceStateReport("web", ResourceState.OSF)),
            Answer("witness", true, MemberRole.Witness),
        };
        var status = ClusterStatusReader.Compose(Cluster(), answers, Defaults, Array.Empty<HaRecordStatus>(), 0, null, Now);

        Assert.Equal(new[] { "web", "web-dns", "web-ip" }, status.Hierarchies.Select(h => h.Tag));
        Assert.Equal(new[] { 0, 1, 2 }, status.Hierarchies.Select(h => h.Depth));
        Assert.Equal(new[] { "ip-10-0-1-10", "ip-10-0-2-10" }, status.Nodes);
        Assert.Equal("ISP 1", status.Hierarchies[0].StateOn("ip-10-0-1-10"));
        Assert.Equal("OSF 2", status.Hierarchies[0].StateOn("ip-10-0-2-10"));
        Assert.Equal("OSU 2", status.Hierarchies[2].StateOn("ip-10-0-2-10"));
        Assert.True(status.Quorum.HasQuorum);
        Assert.Equal((3, 3, 2), (status.Quorum.Votes, status.Quorum.Reachable, status.Quorum.Needed));
        Assert.Equal(new[] { "witness" }, status.Quorum.Witnesses);
    }

    [Fact]
    public void A_member_that_does_not_answer_shows_question_marks_and_leaves_quorum_unknown_when_it_is_this_node()
    {
        var answers = new[] { Answer("ip-10-0-1-10", false), Answer("ip-10-0-2-10", false), Answer("witness", true, MemberRole.Witness) };
        var status = ClusterStatusReader.Compose(Cluster(), answers, Defaults, Array.Empty<HaRecordStatus>(), 0, null, Now);

        Assert.Equal("ISP 1", status.Hierarchies[0].StateOn("ip-10-0-1-10"));
        Assert.Equal("? 2", status.Hierarchies[0].StateOn("ip-10-0-2-10"));
        Assert.Null(status.Quorum.HasQuorum);
        Assert.Equal(1, status.Quorum.Reachable);
        Assert.Contains("quorum unknown", status.Render());
    }

    [Fact]
    public void The_text_fits_80_columns_and_names_every_node_whole()
    {
        var answers = new[] { Answer("ip-10-0-1-10", true), Answer("ip-10-0-2-10", true), Answer("witness", true, MemberRole.Witness) };
        var records = new[] { new HaRecordStatus { Tag = "web-dns", Record = "app.corp.example.", ZoneId = "Z1", Value = "10.0.1.10", PointsTo = "ip-10-0-1-10", Owner = "ip-10-0-1-10 (cluster prod)" } };
        var failover = new HaEvent { Time = Now, Node = "ip-10-0-1-10", Tag = "web", Action = "failover", Outcome = "success", Message = "'web' is in service." };
        var lines = ClusterStatusReader.Compose(Cluster(), answers, Defaults, records, 1, failover, Now).Render().Split('\n');

        Assert.All(lines, l => Assert.True(l.Length <= 80, $"longer than 80: '{l}'"));
        Assert.Contains(lines, l => l.StartsWith("Hierarchy ", StringComparison.Ordinal) && l.EndsWith("ip-10-0-1-10  ip-10-0-2-10", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  └ web-ip ", StringComparison.Ordinal));
        Assert.Contains("app.corp.example.  10.0.1.10 (ip-10-0-1-10)  owner: ip-10-0-1-10 (cluster prod)", lines);
        Assert.Contains(lines, l => l.StartsWith("Last failover: ", StringComparison.Ordinal) && l.EndsWith("web success on ip-10-0-1-10: 'web' is in", StringComparison.Ordinal));
        Assert.Contains("    service.", lines);
    }

    [Fact]
    public void A_dependency_cycle_in_a_hand_edited_state_is_shown_once_per_path_instead_of_recursing_forever()
    {
        var state = Cluster() with { Dependencies = new() { new Dependency("web", "web-dns"), new Dependency("web-dns", "web-ip"), new Dependency("web-ip", "web-dns") } };
        var status = ClusterStatusReader.Compose(state, Array.Empty<HaClusterMember>(), Defaults, Array.Empty<HaRecordStatus>(), 0, null, Now);

        Assert.Equal(new[] { "web", "web-dns", "web-ip" }, status.Hierarchies.Select(h => h.Tag));
    }
}
