using SiosRoute53.Hierarchy;
using SiosRoute53.Model;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Hierarchy;

/// <summary>Bad input: a clear error naming the value, and nothing changed.</summary>
public class ValidationTests
{
    private static async Task<(TestServer, NodeLab, SiosRoute53.Route53.HostedZone)> LabAsync()
    {
        var server = await TestServer.StartAsync(TimeSpan.Zero);
        var zone = await server.CreateZoneAsync();
        var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        return (server, node, zone);
    }

    private static async Task AssertNothingChanged(NodeLab node, Func<Task> act, string expected)
    {
        long revision = node.Store.Read().Revision;
        var e = await Assert.ThrowsAnyAsync<Exception>(act);
        Assert.Contains(expected, e.Message);
        Assert.Equal(revision, node.Store.Read().Revision);
    }

    [Fact]
    public async Task Duplicate_tag_invalid_tag_and_unknown_child_are_refused()
    {
        var (server, node, zone) = await LabAsync();
        await using var _ = server;
        using var __ = node;
        await AssertNothingChanged(node, () => node.Manager.CreateAsync(new ResourceDefinition { Tag = "WEB-IP", Kind = ResourceKind.Ip }, Array.Empty<string>(), default), "'web-ip' already exists");
        await AssertNothingChanged(node, () => node.Manager.CreateAsync(new ResourceDefinition { Tag = "bad tag!", Kind = ResourceKind.Ip }, Array.Empty<string>(), default), "Tag 'bad tag!' is not valid");
        await AssertNothingChanged(node, () => node.Manager.CreateAsync(NodeLab.Route53Definition("x", zone, "x.corp.example.", ip: "nope"), new[] { "nope" }, default), "No resource has tag 'nope'");
    }

    [Fact]
    public async Task An_address_not_on_this_node_is_refused_at_creation()
    {
        var (server, node, _) = await LabAsync();
        await using var __ = server;
        using var ___ = node;
        await AssertNothingChanged(node, () => node.Manager.CreateAsync(new ResourceDefinition
        {
            Tag = "other-ip",
            Kind = ResourceKind.Ip,
            Nodes = new(StringComparer.OrdinalIgnoreCase) { ["node1"] = new NodeInstance { Settings = new() { [SettingKeys.Address] = "10.99.99.99" } } },
        }, Array.Empty<string>(), default), "Address 10.99.99.99 is not configured on any interface of node 'node1' (it has 10.0.1.10 on eth0");
    }

    [Theory]
    [InlineData("app.elsewhere.example.", "is not inside hosted zone 'corp.example.'")]
    [InlineData("bad..corp.example.", "is not a valid DNS name")]
    [InlineData("-bad.corp.example.", "starts or ends with a hyphen")]
    [InlineData("corp.example.", "is not inside hosted zone")]
    public async Task A_record_name_outside_the_zone_or_invalid_is_refused(string record, string expected)
    {
        var (server, node, zone) = await LabAsync();
        await using var _ = server;
        using var __ = node;
        await AssertNothingChanged(node, () => node.Manager.CreateAsync(NodeLab.Route53Definition("dns2", zone, record), new[] { "web-ip" }, default), expected);
    }

    [Fact]
    public async Task A_ttl_out_of_range_is_refused()
    {
        var (server, node, zone) = await LabAsync();
        await using var _ = server;
        using var __ = node;
        var definition = NodeLab.Route53Definition("dns2", zone, "b.corp.example.");
        definition.Settings[SettingKeys.Ttl] = "90000";
        await AssertNothingChanged(node, () => node.Manager.CreateAsync(definition, new[] { "web-ip" }, default), "TTL 90000 is out of range");
    }

    [Fact]
    public async Task An_unknown_or_ambiguous_zone_is_refused_naming_it()
    {
        var (server, node, _) = await LabAsync();
        await using var __ = server;
        using var ___ = node;
        var e = await Assert.ThrowsAsync<HaArgumentException>(() => node.Manager.ResolveZoneAsync(new(), "ZNOSUCH", null, null, default));
        Assert.Contains("'ZNOSUCH' was not found", e.Message);
        var byName = await Assert.ThrowsAsync<HaArgumentException>(() => node.Manager.ResolveZoneAsync(new(), null, "nowhere.example", null, default));
        Assert.Contains("'nowhere.example.'", byName.Message);
        await server.CreateZoneAsync("corp.example.", privateZone: false);
        var twice = await Assert.ThrowsAsync<HaArgumentException>(() => node.Manager.ResolveZoneAsync(new(), null, "corp.example", null, default));
        Assert.Contains("give -HostedZoneId", twice.Message);
    }

    [Fact]
    public async Task A_dependency_cycle_or_a_duplicate_dependency_is_refused()
    {
        var (server, node, _) = await LabAsync();
        await using var __ = server;
        using var ___ = node;
        await AssertNothingChanged(node, () => Task.FromResult(node.Manager.AddDependency("web-ip", "web")), "would make a cycle");
        await AssertNothingChanged(node, () => Task.FromResult(node.Manager.AddDependency("web", "web-dns")), "already depends on");
        await AssertNothingChanged(node, () => Task.FromResult(node.Manager.AddDependency("web", "web")), "cannot depend on itself");
        await AssertNothingChanged(node, () => Task.FromResult(node.Manager.RemoveDependency("web-dns", "web-ip")), "cannot work without 'web-ip'");
    }

    [Fact]
    public async Task Removing_a_resource_in_service_or_with_dependents_is_refused()
    {
        var (server, node, _) = await LabAsync();
        await using var __ = server;
        using var ___ = node;
        await AssertNothingChanged(node, () => Task.Run(() => node.Manager.Remove("web-ip")), "depend(s) on 'web-ip'");
        await node.Manager.StartAsync("web", node.Options(), default);
        await AssertNothingChanged(node, () => Task.Run(() => node.Manager.Remove("web")), "Stop-HaResource web");
        await node.Manager.StopAsync("web", node.Options(), default);
        node.Manager.Remove("web");
        Assert.Null(node.Store.Read().Find("web"));
        Assert.DoesNotContain(node.Store.Read().Dependencies, d => d.Parent == "web");
    }

    [Fact]
    public async Task A_corrupt_tunables_file_stops_an_operation_before_it_changes_anything()
    {
        var (server, node, _) = await LabAsync();
        await using var __ = server;
        using var ___ = node;
        File.AppendAllText(node.TunablesPath, "ROUTE53_RECORD_TRY_COUNT=lots\n");
        await AssertNothingChanged(node, () => node.Manager.StartAsync("web", node.Options(), default), "ROUTE53_RECORD_TRY_COUNT=lots");
        Assert.Equal(ResourceState.OSU, node.StateOf("web-ip"));
    }
}
