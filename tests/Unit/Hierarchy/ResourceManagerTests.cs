using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Hierarchy;

public class ResourceManagerTests
{
    private static async Task<(TestServer Server, HostedZone Zone)> ServerAsync(TimeSpan? propagation = null)
    {
        var server = await TestServer.StartAsync(propagation ?? TimeSpan.FromMilliseconds(200));
        return (server, await server.CreateZoneAsync());
    }

    [Fact]
    public async Task The_seed_hierarchy_comes_in_service_children_first_and_points_the_record_here()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);

        var result = await node.Manager.StartAsync("web", node.Options(), default);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(new[] { "web-ip", "web-dns", "web" }, result.Steps.Select(s => s.Tag));
        Assert.All(new[] { "web-ip", "web-dns", "web" }, t => Assert.Equal(ResourceState.ISP, node.StateOf(t)));
        using var client = server.Client();
        var a = Assert.Single(await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A"));
        Assert.Equal(new[] { "10.0.1.10" }, a.Values);
        Assert.Equal(10, a.Ttl);
        var mark = OwnershipMark.Parse((await client.GetRecordSetsAsync(zone.Id, OwnershipMark.NameFor("app.corp.example."), "TXT")).Single());
        Assert.Equal(new OwnershipMark("lab", "web-dns", "node1"), mark);
        Assert.Contains("INSYNC after", result.Steps.Single(s => s.Tag == "web-dns").Message);
        Assert.Contains(node.Store.ReadEvents(), e => e.Tag == "web-dns" && e.Action == "restore" && e.Outcome == "success" && e.Duration > TimeSpan.Zero);
        Assert.Equal(new[] { "start web", "check web" }, node.Commands.Ran);
    }

    [Fact]
    public async Task Starting_again_changes_nothing_and_stopping_goes_parents_first_leaving_the_record()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        await node.Manager.StartAsync("web", node.Options(), default);
        await node.Manager.StopAsync("web-dns", node.Options(), default);
        Assert.Equal(ResourceState.OSU, node.StateOf("web"));
        Assert.Equal(ResourceState.OSU, node.StateOf("web-dns"));
        Assert.Equal(ResourceState.ISP, node.StateOf("web-ip"));
        Assert.Contains("stop web", node.Commands.Ran);

        long before = server.Server.CallsByOperation.GetValueOrDefault("ChangeResourceRecordSets");
        var again = await node.Manager.StartAsync("web", node.Options(), default);
        Assert.True(again.Succeeded);
        Assert.Contains("nothing to change", again.Steps.Single(s => s.Tag == "web-dns").Message);
        Assert.Equal(before, server.Server.CallsByOperation.GetValueOrDefault("ChangeResourceRecordSets"));
        using var client = server.Client();
        Assert.Single(await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A"));
    }

    [Fact]
    public async Task A_record_changed_behind_our_back_fails_the_check_and_recovery_repairs_it()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        await node.Manager.StartAsync("web", node.Options(), default);
        using var client = server.Client();
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.UPSERT, TestServer.A("app.corp.example.", "192.0.2.99")) });

        var plain = await node.Manager.CheckAsync(new[] { "web-dns" }, recover: false, node.Options(), default);
        Assert.Equal(CheckOutcome.Failed, plain.Single().Outcome);
        Assert.Contains("192.0.2.99", plain.Single().Message);
        Assert.Equal(ResourceState.ISU, node.StateOf("web-dns"));

        var recovered = await node.Manager.CheckAsync(null, recover: true, node.Options(), default);
        var dns = recovered.Single(r => r.Tag == "web-dns");
        Assert.True(dns.Recovered);
        Assert.Equal(ResourceState.ISP, dns.State);
        Assert.Equal("10.0.1.10", (await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A")).Single().Values.Single());
        Assert.Contains(node.Store.ReadEvents(), e => e.Tag == "web-dns" && e.Action == "recover" && e.Outcome == "success");
    }

    [Fact]
    public async Task An_api_outage_during_a_check_is_unknown_leaves_the_resource_ISU_and_never_starts_recovery()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        await node.Manager.StartAsync("web", node.Options(), default);
        server.Server.Faults.Update(f => f with { Outage = true });

        var results = await node.Manager.CheckAsync(null, recover: true, node.Options(), default);

        var dns = results.Single(r => r.Tag == "web-dns");
        Assert.Equal(CheckOutcome.Unknown, dns.Outcome);
        Assert.Null(dns.Recovered);
        Assert.Equal(ResourceState.ISU, node.StateOf("web-dns"));
        Assert.Contains(node.Store.ReadEvents(), e => e.Tag == "web-dns" && e.Outcome == "unknown" && e.Message.Contains("not a resource failure"));
        Assert.DoesNotContain(node.Store.ReadEvents(), e => e.Action == "recover");
    }

    [Fact]
    public async Task One_check_of_many_route53_resources_reads_each_zone_once()
    {
        var (server, zone) = await ServerAsync(TimeSpan.Zero);
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        for (int i = 0; i < 12; i++)
            await node.Manager.CreateAsync(NodeLab.Route53Definition($"dns{i}", zone, $"svc{i}.corp.example."), new[] { "web-ip" }, default);
        for (int i = 0; i < 12; i++) Assert.True((await node.Manager.StartAsync($"dns{i}", node.Options(), default)).Succeeded);

        var results = await node.Manager.CheckAsync(null, recover: false, node.Options(), default);

        Assert.Equal(12, results.Count(r => r.Kind == ResourceKind.Route53));
        Assert.All(results, r => Assert.Equal(CheckOutcome.Healthy, r.Outcome));
        Assert.Equal(1, results.First().CycleApiCalls); // 12 records and their marks fit in one page of 300
    }

    [Fact]
    public async Task A_failure_part_way_rolls_back_what_the_start_brought_in_and_leaves_the_failed_resource_OSF()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        node.Commands.ExitCodes["start web"] = 3;

        var result = await node.Manager.StartAsync("web", node.Options(), default);

        Assert.False(result.Succeeded);
        Assert.Equal(ResourceState.OSF, node.StateOf("web"));
        Assert.Contains("exited 3", node.Store.Read().StatusOf("web", "node1").Reason);
        Assert.Equal(ResourceState.OSU, node.StateOf("web-dns"));
        Assert.Equal(ResourceState.OSU, node.StateOf("web-ip"));
        Assert.Equal(new[] { "web-dns", "web-ip" }, result.Steps.Where(s => s.Action == "rollback").Select(s => s.Tag));
        Assert.Null(node.Store.Read().StatusOf("web", "node1").BusyPid);
    }

    [Fact]
    public async Task A_change_that_never_reaches_INSYNC_fails_with_the_seeds_advice_within_the_budget()
    {
        var (server, zone) = await ServerAsync(TimeSpan.FromMinutes(10));
        await using var _ = server;
        using var node = new NodeLab(server, "node1", tunables: "ROUTE53_CHANGEID_TRY_COUNT=2\n");
        await node.CreateSeedHierarchyAsync(zone);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await node.Manager.StartAsync("web-dns", node.Options(), default);

        Assert.False(result.Succeeded);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the 2 s budget took {watch.Elapsed}");
        string reason = node.Store.Read().StatusOf("web-dns", "node1").Reason!;
        Assert.Contains("still PENDING", reason);
        Assert.Contains("ROUTE53_CHANGEID_TRY_COUNT", reason);
        Assert.Equal(ResourceState.OSF, node.StateOf("web-dns"));
        Assert.Contains(node.Store.ReadEvents(), e => e.Tag == "web-dns" && e.Outcome == "failed" && e.Message.Contains("INSYNC") == false && e.Message.Contains("PENDING"));
    }

    [Fact]
    public async Task A_throttling_storm_during_start_is_ridden_out()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        server.Server.Faults.Update(f => f with { ThrottleNextRequests = 4 });
        var result = await node.Manager.StartAsync("web-dns", node.Options(), default);
        Assert.True(result.Succeeded, result.Message);
        Assert.Contains(node.Log, l => l.Contains("Throttling"));
    }

    [Fact]
    public async Task A_record_of_another_cluster_is_refused_unless_forced()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var other = new NodeLab(server, "nodeX", cluster: "other", address: "10.9.9.9");
        await other.CreateSeedHierarchyAsync(zone);
        Assert.True((await other.Manager.StartAsync("web-dns", other.Options(), default)).Succeeded);
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);

        var refused = await node.Manager.StartAsync("web-dns", node.Options(), default);
        Assert.False(refused.Succeeded);
        Assert.Contains("owned by another cluster ('other'", refused.Message);
        Assert.Contains("-Adopt", refused.Message);
        using var client = server.Client();
        Assert.Equal("10.9.9.9", (await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A")).Single().Values.Single());

        var adopted = await node.Manager.StartAsync("web-dns", node.Options(force: true), default);
        Assert.True(adopted.Succeeded, adopted.Message);
        Assert.Equal("10.0.1.10", (await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A")).Single().Values.Single());
    }

    [Fact]
    public async Task An_unowned_existing_record_is_refused_unless_forced()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var client = server.Client();
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "192.0.2.1", 300)) });
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        var refused = await node.Manager.StartAsync("web-dns", node.Options(), default);
        Assert.Contains("no SiosRoute53 cluster owns it", refused.Message);
        Assert.Equal(ResourceState.OSF, node.StateOf("web-dns"));
        Assert.True((await node.Manager.StartAsync("web-dns", node.Options(force: true), default)).Succeeded);
    }

    [Fact]
    public async Task Two_nodes_racing_for_the_record_end_with_exactly_one_winner()
    {
        for (int round = 0; round < 5; round++)
        {
            var (server, zone) = await ServerAsync();
            await using var _ = server;
            using var node1 = new NodeLab(server, "node1", address: "10.0.1.10");
            using var node2 = new NodeLab(server, "node2", address: "10.0.2.10");
            await node1.CreateSeedHierarchyAsync(zone);
            await node2.CreateSeedHierarchyAsync(zone);
            using (var client = server.Client())
            {
                // The record and mark as a dead third node of the same cluster left them.
                await client.ChangeResourceRecordSetsAsync(zone.Id, new[]
                {
                    new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.3.10")),
                    new Change(ChangeAction.CREATE, new OwnershipMark("lab", "web-dns", "node3").ToRecordSet("app.corp.example.", 10)),
                });
            }
            var both = await Task.WhenAll(
                node1.Manager.StartAsync("web-dns", node1.Options(), default),
                node2.Manager.StartAsync("web-dns", node2.Options(), default));

            Assert.Equal(1, both.Count(r => r.Succeeded));
            var loser = both.Single(r => !r.Succeeded);
            Assert.Contains("stands down", loser.Message);
            var winner = both.Single(r => r.Succeeded).Node;
            using var check = server.Client();
            string expected = winner == "node1" ? "10.0.1.10" : "10.0.2.10";
            Assert.Equal(expected, (await check.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A")).Single().Values.Single());
        }
    }
}
