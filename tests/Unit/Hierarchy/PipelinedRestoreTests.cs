using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Hierarchy;

/// <summary>A parent's restore overlaps its route53 child's INSYNC wait; a failure of either still rolls back.</summary>
public class PipelinedRestoreTests
{
    [Fact]
    public async Task The_service_starts_while_the_record_change_is_still_pending_and_the_hierarchy_is_in_service_when_both_end()
    {
        await using var server = await TestServer.StartAsync(TimeSpan.FromSeconds(1.5));
        var zone = await server.CreateZoneAsync();
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);

        var result = await node.Manager.StartAsync("web", node.Options(), default);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(new[] { "web-ip", "web-dns", "web" }, result.Steps.Select(s => s.Tag));
        var events = node.Store.ReadEvents();
        var serviceUp = events.Single(e => e.Tag == "web" && e.Action == EventActions.Restore && e.Outcome == EventOutcomes.Success).Time;
        var recordInSync = events.Single(e => e.Tag == "web-dns" && e.Action == EventActions.Restore && e.Outcome == EventOutcomes.Success).Time;
        Assert.True(serviceUp < recordInSync, $"the service came up at {serviceUp:O}, after the record was INSYNC at {recordInSync:O}");
        Assert.All(new[] { "web-ip", "web-dns", "web" }, t => Assert.Equal(ResourceState.ISP, node.StateOf(t)));
        Assert.All(node.Store.Read().States, s => Assert.Null(s.BusyPid));
    }

    [Fact]
    public async Task A_change_that_never_reaches_INSYNC_takes_the_already_started_service_back_out()
    {
        await using var server = await TestServer.StartAsync(TimeSpan.FromMinutes(10));
        var zone = await server.CreateZoneAsync();
        using var node = new NodeLab(server, "node1", tunables: "ROUTE53_CHANGEID_TRY_COUNT=2\n");
        await node.CreateSeedHierarchyAsync(zone);

        var result = await node.Manager.StartAsync("web", node.Options(), default);

        Assert.False(result.Succeeded);
        Assert.Contains("web-dns", result.Message);
        Assert.Equal(new[] { "start web", "check web", "stop web" }, node.Commands.Ran);
        Assert.Equal(ResourceState.OSF, node.StateOf("web-dns"));
        Assert.Equal(ResourceState.OSU, node.StateOf("web"));
        Assert.Equal(ResourceState.OSU, node.StateOf("web-ip"));
        Assert.All(node.Store.Read().States, s => Assert.Null(s.BusyPid));
    }

    [Fact]
    public async Task A_service_that_fails_to_start_during_the_wait_rolls_back_the_record_step_once_it_has_ended()
    {
        await using var server = await TestServer.StartAsync(TimeSpan.FromSeconds(1));
        var zone = await server.CreateZoneAsync();
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        node.Commands.ExitCodes["start web"] = 1;

        var result = await node.Manager.StartAsync("web", node.Options(), default);

        Assert.False(result.Succeeded);
        Assert.Equal(ResourceState.OSF, node.StateOf("web"));
        Assert.Equal(ResourceState.OSU, node.StateOf("web-dns"));
        Assert.Equal(ResourceState.OSU, node.StateOf("web-ip"));
        Assert.Contains(result.Steps, s => s.Tag == "web-dns" && s.Action == EventActions.Rollback && s.Outcome == EventOutcomes.Success);
        Assert.All(node.Store.Read().States, s => Assert.Null(s.BusyPid));
    }
}
