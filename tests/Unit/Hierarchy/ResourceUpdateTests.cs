using System.Net;
using SiosRoute53.Aws;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Hierarchy;

/// <summary>Set-HaResource's decisions: what is refused while in service, what is allowed and when it takes effect.</summary>
public class ResourceUpdatePlannerTests
{
    /// <summary>The seed's hierarchy on node1 (priority 1) and node2 (priority 2), out of service everywhere.</summary>
    private static NodeState Seed(ResourceState onNode1 = ResourceState.OSU)
    {
        Dictionary<string, NodeInstance> Nodes(string? a1 = null, string? a2 = null) => new(StringComparer.OrdinalIgnoreCase)
        {
            ["node1"] = new NodeInstance { Priority = 1, Settings = a1 is null ? new() : new() { [SettingKeys.Address] = a1 } },
            ["node2"] = new NodeInstance { Priority = 2, Settings = a2 is null ? new() : new() { [SettingKeys.Address] = a2 } },
        };
        var dns = new Route53Settings("Z1", "corp.example.", "app.corp.example.", null, "web-ip", new AwsAccessOptions()).Define("web-dns") with { Nodes = Nodes() };
        var state = new NodeState
        {
            NodeName = "node1",
            ClusterName = "prod",
            Resources = new()
            {
                new ResourceDefinition { Tag = "web-ip", Kind = ResourceKind.Ip, Nodes = Nodes("10.0.1.10", "10.0.2.10") },
                dns,
                ServiceSettings.Unit("nginx.service").Define("web") with { Nodes = Nodes() },
            },
            Dependencies = new() { new("web-dns", "web-ip"), new("web", "web-dns") },
        };
        foreach (var tag in new[] { "web-ip", "web-dns", "web" })
            state = state.WithStatus(new ResourceStatus { Tag = tag, Node = "node1", State = onNode1 });
        return state;
    }

    private static InServiceView Node2(params string[] inService) =>
        new(new Dictionary<string, IReadOnlyCollection<string>?> { ["node2"] = inService });

    private static readonly InServiceView Node2Silent = new(new Dictionary<string, IReadOnlyCollection<string>?> { ["node2"] = null });

    [Fact]
    public void A_record_name_change_while_in_service_here_is_refused_with_the_way_out()
    {
        var e = Assert.Throws<HaArgumentException>(() =>
            ResourceUpdatePlanner.Plan(Seed(ResourceState.ISP), new ResourceUpdate { Tag = "web-dns", RecordName = "app2.corp.example" }, Node2()));
        Assert.Contains("'web-dns' is in service on 'node1'", e.Message);
        Assert.Contains("app.corp.example. pointing at that node", e.Message);
        Assert.Contains("Stop-HaResource web-dns", e.Message);
        Assert.Contains("Start-HaResource web", e.Message);
    }

    [Fact]
    public void A_zone_change_while_another_member_has_the_record_in_service_is_refused()
    {
        var e = Assert.Throws<HaArgumentException>(() =>
            ResourceUpdatePlanner.Plan(Seed(), new ResourceUpdate { Tag = "web-dns", HostedZoneId = "Z2", ZoneName = "corp.example." }, Node2("web-dns")));
        Assert.Contains("in service on 'node2'", e.Message);
        Assert.Contains("hosted zone", e.Message);
    }

    [Fact]
    public void A_member_that_does_not_answer_cannot_be_assumed_out_of_service()
    {
        var e = Assert.Throws<HaArgumentException>(() =>
            ResourceUpdatePlanner.Plan(Seed(), new ResourceUpdate { Tag = "web-dns", RecordName = "app2.corp.example" }, Node2Silent));
        Assert.Contains("Cannot tell whether 'node2' has 'web-dns' in service", e.Message);
    }

    [Fact]
    public void A_record_name_change_out_of_service_everywhere_is_planned_with_when_it_takes_effect()
    {
        var (updated, changes) = ResourceUpdatePlanner.Plan(Seed(), new ResourceUpdate { Tag = "web-dns", RecordName = "APP2.corp.example" }, Node2());
        var change = Assert.Single(changes);
        Assert.Equal(("RecordName", "app.corp.example.", "app2.corp.example."), (change.Setting, change.OldValue, change.NewValue));
        Assert.Contains("at the next start", change.TakesEffect);
        Assert.Equal("app2.corp.example.", Assert.Single(updated).Settings[SettingKeys.RecordName]);
    }

    [Fact]
    public void A_ttl_change_in_service_is_allowed_and_takes_effect_when_the_record_is_next_written()
    {
        var (updated, changes) = ResourceUpdatePlanner.Plan(Seed(ResourceState.ISP), new ResourceUpdate { Tag = "web-dns", Ttl = 30 }, Node2());
        var change = Assert.Single(changes);
        Assert.Equal(("Ttl", "(ROUTE53_TTL)", "30"), (change.Setting, change.OldValue, change.NewValue));
        Assert.Contains("when the record is next written", change.TakesEffect);
        Assert.Equal("30", updated[0].Settings[SettingKeys.Ttl]);
    }

    [Fact]
    public void A_nodes_address_is_refused_while_in_service_there_and_allowed_for_the_other_node()
    {
        var state = Seed(ResourceState.ISP);
        var e = Assert.Throws<HaArgumentException>(() =>
            ResourceUpdatePlanner.Plan(state, new ResourceUpdate { Tag = "web-ip", Address = IPAddress.Parse("10.0.1.20") }, Node2()));
        Assert.Contains("Invoke-Switchover web", e.Message);
        Assert.Contains("10.0.1.10", e.Message);

        var (updated, changes) = ResourceUpdatePlanner.Plan(state, new ResourceUpdate { Tag = "web-ip", Node = "node2", Address = IPAddress.Parse("10.0.2.20") }, Node2());
        Assert.Equal("node2", Assert.Single(changes).Node);
        Assert.Equal("10.0.2.20", updated[0].Nodes["node2"].Settings[SettingKeys.Address]);
        Assert.Equal("10.0.1.10", updated[0].Nodes["node1"].Settings[SettingKeys.Address]);
    }

    [Fact]
    public void A_priority_is_set_for_the_whole_hierarchy_on_that_node_even_in_service()
    {
        var (updated, changes) = ResourceUpdatePlanner.Plan(Seed(ResourceState.ISP), new ResourceUpdate { Tag = "web", Node = "node2", Priority = 1 }, Node2());
        Assert.Equal(new[] { "web", "web-dns", "web-ip" }, changes.Select(c => c.Tag).Order().ToArray());
        Assert.All(updated, d => Assert.Equal(1, d.Nodes["node2"].Priority));
        Assert.All(updated, d => Assert.Equal(1, d.Nodes["node1"].Priority));
    }

    [Fact]
    public void A_services_unit_is_refused_while_it_runs_but_its_commands_change_and_say_when()
    {
        var state = Seed(ResourceState.ISP);
        var e = Assert.Throws<HaArgumentException>(() =>
            ResourceUpdatePlanner.Plan(state, new ResourceUpdate { Tag = "web", SystemdUnit = "apache2.service" }, Node2()));
        Assert.Contains("the next stop would stop a unit that is not running", e.Message);

        var (_, changes) = ResourceUpdatePlanner.Plan(state, new ResourceUpdate { Tag = "web", CheckCommand = "curl -fs http://localhost/", StopCommand = "systemctl stop nginx" }, Node2());
        Assert.Contains(changes, c => c.Setting == SettingKeys.CheckCommand && c.TakesEffect == "at the next check");
        Assert.Contains(changes, c => c.Setting == SettingKeys.StopCommand && c.TakesEffect.Contains("must stop what the current start command started"));
    }

    [Fact]
    public void A_setting_of_another_kind_is_refused_naming_the_kind()
    {
        var e = Assert.Throws<HaArgumentException>(() => ResourceUpdatePlanner.Plan(Seed(), new ResourceUpdate { Tag = "web", Ttl = 30 }, Node2()));
        Assert.Equal("-Ttl is a setting of route53 resources; 'web' is a service resource.", e.Message);
    }

    [Fact]
    public void The_same_values_change_nothing()
    {
        var (updated, changes) = ResourceUpdatePlanner.Plan(Seed(ResourceState.ISP),
            new ResourceUpdate { Tag = "web-dns", RecordName = "app.corp.example", HostedZoneId = "Z1", ZoneName = "corp.example." }, Node2("web-dns"));
        Assert.Empty(changes);
        Assert.Empty(updated);
    }

    [Fact]
    public void A_record_another_resource_manages_is_refused()
    {
        var state = Seed();
        state = state with { Resources = state.Resources.Append(new Route53Settings("Z1", "corp.example.", "api.corp.example.", null, "web-ip", new AwsAccessOptions()).Define("api-dns")).ToList() };
        var e = Assert.Throws<HaArgumentException>(() => ResourceUpdatePlanner.Plan(state, new ResourceUpdate { Tag = "web-dns", RecordName = "api.corp.example" }, Node2()));
        Assert.Contains("is already managed by route53 resource 'api-dns'", e.Message);
    }
}

/// <summary>Set-HaResource end to end on one node: committed through the store, recorded, and used by the next start.</summary>
public class ResourceUpdateTests
{
    [Fact]
    public async Task A_checked_change_without_apply_changes_nothing_and_an_applied_one_is_a_new_configuration_revision()
    {
        await using var server = await TestServer.StartAsync(TimeSpan.Zero);
        var zone = await server.CreateZoneAsync();
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        var before = node.Store.Read();

        var planned = await node.Manager.UpdateAsync(new ResourceUpdate { Tag = "web-dns", Ttl = 30 }, InServiceView.LocalOnly, null, apply: false, default);
        Assert.False(planned.Applied);
        Assert.Single(planned.Changes);
        Assert.Equal(before.Revision, node.Store.Read().Revision);

        var done = await node.Manager.UpdateAsync(new ResourceUpdate { Tag = "web-dns", Ttl = 30 }, InServiceView.LocalOnly, null, apply: true, default);
        Assert.True(done.Applied);
        var after = node.Store.Read();
        Assert.Equal(before.ConfigRevision + 1, after.ConfigRevision);
        Assert.Equal("30", after.Find("web-dns")!.Settings[SettingKeys.Ttl]);
        var e = Assert.Single(node.Store.ReadEvents(), x => x.Action == EventActions.Update);
        Assert.Contains("Ttl (ROUTE53_TTL) → 30", e.Message);
    }

    [Fact]
    public async Task The_next_start_writes_the_new_ttl_and_the_new_record_name()
    {
        await using var server = await TestServer.StartAsync(TimeSpan.Zero);
        var zone = await server.CreateZoneAsync();
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        await node.Manager.UpdateAsync(new ResourceUpdate { Tag = "web-dns", Ttl = 45, RecordName = "app2.corp.example" }, InServiceView.LocalOnly, null, apply: true, default);

        Assert.True((await node.Manager.StartAsync("web", node.Options(), default)).Succeeded);
        var sets = await server.Client().GetRecordSetsAsync(zone.ShortId, "app2.corp.example.", "A", default);
        var a = Assert.Single(sets);
        Assert.Equal((45L, "10.0.1.10"), (a.Ttl, a.Values[0]));
    }

    [Fact]
    public async Task A_ttl_changed_in_service_is_written_at_the_next_start_even_on_the_same_node()
    {
        await using var server = await TestServer.StartAsync(TimeSpan.Zero);
        var zone = await server.CreateZoneAsync();
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        Assert.True((await node.Manager.StartAsync("web", node.Options(), default)).Succeeded);
        await node.Manager.UpdateAsync(new ResourceUpdate { Tag = "web-dns", Ttl = 60 }, InServiceView.LocalOnly, null, apply: true, default);
        Assert.Equal(10L, Assert.Single(await server.Client().GetRecordSetsAsync(zone.ShortId, "app.corp.example.", "A", default)).Ttl);

        Assert.True((await node.Manager.StopAsync("web-ip", node.Options(), default)).Succeeded);
        var start = await node.Manager.StartAsync("web", node.Options(), default);
        Assert.True(start.Succeeded);
        Assert.Contains("with TTL 60 (was 10)", start.Steps.Single(s => s.Tag == "web-dns").Message);
        Assert.Equal(60L, Assert.Single(await server.Client().GetRecordSetsAsync(zone.ShortId, "app.corp.example.", "A", default)).Ttl);
    }

    [Fact]
    public async Task A_record_name_change_is_refused_while_in_service_and_nothing_changes()
    {
        await using var server = await TestServer.StartAsync(TimeSpan.Zero);
        var zone = await server.CreateZoneAsync();
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        Assert.True((await node.Manager.StartAsync("web", node.Options(), default)).Succeeded);
        long revision = node.Store.Read().Revision;

        var e = await Assert.ThrowsAsync<HaArgumentException>(() =>
            node.Manager.UpdateAsync(new ResourceUpdate { Tag = "web-dns", RecordName = "app2.corp.example" }, InServiceView.LocalOnly, null, apply: true, default));
        Assert.Contains("is in service on 'node1'", e.Message);
        Assert.Equal(revision, node.Store.Read().Revision);
    }

    [Fact]
    public async Task A_new_address_for_this_node_must_be_configured_here()
    {
        await using var server = await TestServer.StartAsync(TimeSpan.Zero);
        var zone = await server.CreateZoneAsync();
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        var e = await Assert.ThrowsAsync<HaArgumentException>(() =>
            node.Manager.UpdateAsync(new ResourceUpdate { Tag = "web-ip", Address = IPAddress.Parse("10.9.9.9") }, InServiceView.LocalOnly, null, apply: true, default));
        Assert.Contains("Address 10.9.9.9 is not configured on any interface of node 'node1'", e.Message);
    }

    [Fact]
    public async Task A_second_resource_for_a_record_already_managed_is_refused_at_creation()
    {
        await using var server = await TestServer.StartAsync(TimeSpan.Zero);
        var zone = await server.CreateZoneAsync();
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        long revision = node.Store.Read().Revision;
        var e = await Assert.ThrowsAsync<HaArgumentException>(() =>
            node.Manager.CreateAsync(NodeLab.Route53Definition("web-dns2", zone, "APP.corp.example"), new[] { "web-ip" }, default));
        Assert.Contains("is already managed by route53 resource 'web-dns'", e.Message);
        Assert.Equal(revision, node.Store.Read().Revision);
    }
}
