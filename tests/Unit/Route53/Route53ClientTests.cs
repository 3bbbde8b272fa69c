using Microsoft.Extensions.Time.Testing;
using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Route53;

/// <summary>Every client operation against the Route 53-compatible server: success and each error.</summary>
public class Route53ClientTests
{
    [Fact]
    public async Task Creates_gets_and_lists_zones_with_or_without_the_hostedzone_prefix()
    {
        await using var s = await TestServer.StartAsync();
        using var client = s.Client();
        // A public zone: Route 53 makes a zone private only with a VPC, which this client does not send.
        var (zone, change) = await client.CreateHostedZoneAsync("Corp.Example", "ref-1", "lab", privateZone: false);
        Assert.Equal("corp.example.", zone.Name);
        Assert.StartsWith("/hostedzone/Z", zone.Id);
        Assert.StartsWith("/change/C", change.Id);

        var byBare = await client.GetHostedZoneAsync(zone.ShortId);
        var byPrefixed = await client.GetHostedZoneAsync("/hostedzone/" + zone.ShortId);
        Assert.Equal(byBare, byPrefixed);
        Assert.False(byBare.PrivateZone);
        Assert.Equal(2, byBare.ResourceRecordSetCount); // SOA and NS, as Route 53 creates them

        var all = await client.ListAllHostedZonesAsync();
        Assert.Contains(all, z => z.ShortId == zone.ShortId && z.Comment == "lab");
    }

    [Fact]
    public async Task Lists_zones_page_by_page_and_by_name()
    {
        await using var s = await TestServer.StartAsync();
        using var client = s.Client();
        foreach (var name in new[] { "b.example.", "a.example.", "c.test.", "a.test." })
            await client.CreateHostedZoneAsync(name, "ref-" + name);

        var first = await client.ListHostedZonesAsync(maxItems: 3);
        Assert.Equal(3, first.HostedZones.Count);
        Assert.True(first.IsTruncated);
        var second = await client.ListHostedZonesAsync(first.NextMarker, 3);
        Assert.Single(second.HostedZones);
        Assert.False(second.IsTruncated);

        var byName = await client.ListHostedZonesByNameAsync();
        Assert.Equal(new[] { "a.example.", "b.example.", "a.test.", "c.test." }, byName.HostedZones.Select(z => z.Name));
        var fromB = await client.ListHostedZonesByNameAsync("b.example", maxItems: 2);
        Assert.Equal(new[] { "b.example.", "a.test." }, fromB.HostedZones.Select(z => z.Name));
        Assert.True(fromB.IsTruncated);
        Assert.Equal("c.test.", fromB.NextDnsName);
    }

    [Fact]
    public async Task Unknown_zone_is_NoSuchHostedZone_for_every_zone_operation()
    {
        await using var s = await TestServer.StartAsync();
        using var client = s.Client();
        var get = await Assert.ThrowsAsync<NoSuchHostedZoneException>(() => client.GetHostedZoneAsync("ZNOSUCHZONE"));
        Assert.Contains("ZNOSUCHZONE", get.Message);
        Assert.NotNull(get.RequestId);
        await Assert.ThrowsAsync<NoSuchHostedZoneException>(() => client.ListResourceRecordSetsAsync("/hostedzone/ZNOSUCHZONE"));
        await Assert.ThrowsAsync<NoSuchHostedZoneException>(() =>
            client.ChangeResourceRecordSetsAsync("ZNOSUCHZONE", new[] { new Change(ChangeAction.CREATE, TestServer.A("x.corp.example.", "10.0.0.1")) }));
        await Assert.ThrowsAsync<NoSuchHostedZoneException>(() => client.DeleteHostedZoneAsync("ZNOSUCHZONE"));
    }

    [Fact]
    public async Task Create_delete_and_upsert_in_one_batch_apply_together()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[]
        {
            new Change(ChangeAction.CREATE, TestServer.A("old.corp.example.", "10.0.0.1")),
            new Change(ChangeAction.CREATE, TestServer.A("keep.corp.example.", "10.0.0.2")),
        });
        var info = await client.ChangeResourceRecordSetsAsync(zone.Id, new[]
        {
            new Change(ChangeAction.DELETE, TestServer.A("old.corp.example.", "10.0.0.1")),
            new Change(ChangeAction.UPSERT, TestServer.A("keep.corp.example.", "10.0.0.3", 30)),
            new Change(ChangeAction.CREATE, new ResourceRecordSet("NEW.corp.example", "TXT", 10, new[] { "\"owner=node1\"" })),
        }, "three at once");
        Assert.Equal(ChangeStatus.PENDING, info.Status);
        Assert.Equal("three at once", info.Comment);

        var sets = await client.ListAllResourceRecordSetsAsync(zone.Id);
        Assert.DoesNotContain(sets, r => r.Name == "old.corp.example.");
        Assert.Contains(sets, r => r.Name == "keep.corp.example." && r.Ttl == 30 && r.Values.Single() == "10.0.0.3");
        Assert.Contains(sets, r => r.Name == "new.corp.example." && r.Type == "TXT");
    }

    [Fact]
    public async Task A_batch_with_one_bad_change_changes_nothing_and_reports_every_problem()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.0.1")) });
        var before = (await client.ListAllResourceRecordSetsAsync(zone.Id)).Select(r => r.ToString()).ToList();

        var ex = await Assert.ThrowsAsync<InvalidChangeBatchException>(() => client.ChangeResourceRecordSetsAsync(zone.Id, new[]
        {
            new Change(ChangeAction.CREATE, TestServer.A("fine.corp.example.", "10.0.0.9")),
            new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.0.2")),
            new Change(ChangeAction.DELETE, TestServer.A("missing.corp.example.", "10.0.0.3")),
            new Change(ChangeAction.CREATE, TestServer.A("outside.other.example.", "10.0.0.4")),
        }));

        // Route 53 sends every reason in one bracketed message: [reason 1, reason 2, reason 3].
        string reasons = string.Join(" ", ex.Messages);
        Assert.Contains("[name='app.corp.example.', type='A'] but it already exists", reasons);
        Assert.Contains("[name='missing.corp.example.', type='A'] but it was not found", reasons);
        Assert.Contains("RRSet with DNS name outside.other.example. is not permitted", reasons);
        Assert.DoesNotContain("fine.corp.example.", reasons);
        Assert.Equal(before, (await client.ListAllResourceRecordSetsAsync(zone.Id)).Select(r => r.ToString()));
    }

    [Fact]
    public async Task Compare_and_swap_batch_succeeds_once_and_fails_as_a_whole_the_second_time()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        var node1 = TestServer.A("app.corp.example.", "10.0.1.10");
        var node2 = TestServer.A("app.corp.example.", "10.0.2.10");
        var mark1 = new ResourceRecordSet("_owner.app.corp.example.", "TXT", 10, new[] { "\"node1\"" });
        var mark2 = new ResourceRecordSet("_owner.app.corp.example.", "TXT", 10, new[] { "\"node2\"" });
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, node1), new Change(ChangeAction.CREATE, mark1) });

        var swap = new[]
        {
            new Change(ChangeAction.DELETE, node1), new Change(ChangeAction.CREATE, node2),
            new Change(ChangeAction.DELETE, mark1), new Change(ChangeAction.CREATE, mark2),
        };
        await client.ChangeResourceRecordSetsAsync(zone.Id, swap);
        var ex = await Assert.ThrowsAsync<InvalidChangeBatchException>(() => client.ChangeResourceRecordSetsAsync(zone.Id, swap));
        Assert.Contains(ex.Messages, m => m.Contains("do not match the current values"));

        var now = await client.GetRecordSetsAsync(zone.Id, "app.corp.example", "A");
        Assert.Equal("10.0.2.10", Assert.Single(now).Values.Single());
        var mark = await client.GetRecordSetsAsync(zone.Id, "_owner.app.corp.example", "TXT");
        Assert.Equal("\"node2\"", Assert.Single(mark).Values.Single());
    }

    [Fact]
    public async Task A_delete_must_match_ttl_and_values_exactly()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.0.1", ttl: 10)) });
        await Assert.ThrowsAsync<InvalidChangeBatchException>(() => client.ChangeResourceRecordSetsAsync(zone.Id,
            new[] { new Change(ChangeAction.DELETE, TestServer.A("app.corp.example.", "10.0.0.1", ttl: 60)) }));
        await Assert.ThrowsAsync<InvalidChangeBatchException>(() => client.ChangeResourceRecordSetsAsync(zone.Id,
            new[] { new Change(ChangeAction.DELETE, TestServer.A("app.corp.example.", "10.0.0.2", ttl: 10)) }));
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.DELETE, TestServer.A("APP.Corp.Example", "10.0.0.1", ttl: 10)) });
        Assert.Empty(await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A"));
    }

    [Fact]
    public async Task Bad_record_values_are_InvalidChangeBatch()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        var ex = await Assert.ThrowsAsync<InvalidChangeBatchException>(() => client.ChangeResourceRecordSetsAsync(zone.Id,
            new[] { new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.0.300")) }));
        Assert.Contains("10.0.0.300", ex.Message);
    }

    [Fact]
    public async Task Lists_more_than_300_records_across_pages_in_route53_order()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        for (int batch = 0; batch < 4; batch++)
            await client.ChangeResourceRecordSetsAsync(zone.Id, Enumerable.Range(batch * 100, 100)
                .Select(i => new Change(ChangeAction.CREATE, TestServer.A($"host{i:000}.corp.example.", $"10.0.{i / 250}.{i % 250 + 1}"))).ToList());

        var page = await client.ListResourceRecordSetsAsync(zone.Id);
        Assert.Equal(300, page.RecordSets.Count);
        Assert.True(page.IsTruncated);
        Assert.NotNull(page.NextRecordName);

        var all = await client.ListAllResourceRecordSetsAsync(zone.Id);
        Assert.Equal(402, all.Count); // 400 A records, SOA, NS
        Assert.Equal(all.Count, all.Select(r => r.Name + r.Type).Distinct().Count());
        Assert.Equal("corp.example.", all[0].Name); // the apex sorts first
        var hosts = all.Where(r => r.Type == "A").Select(r => r.Name).ToList();
        Assert.Equal(hosts.OrderBy(n => n, StringComparer.Ordinal), hosts);

        var fromMiddle = await client.ListResourceRecordSetsAsync(zone.Id, "host250.corp.example.", "A", maxItems: 5);
        Assert.Equal("host250.corp.example.", fromMiddle.RecordSets[0].Name);
        Assert.Equal(5, fromMiddle.RecordSets.Count);
        Assert.Equal("host255.corp.example.", fromMiddle.NextRecordName);
        Assert.Equal("A", fromMiddle.NextRecordType);
    }

    [Fact]
    public async Task Invalid_list_arguments_are_InvalidInput()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => client.ListResourceRecordSetsAsync(zone.Id, maxItems: 0));
        Assert.Equal("InvalidInput", ex.Code);
    }

    [Fact]
    public async Task A_change_is_PENDING_then_INSYNC_after_the_propagation_delay()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var s = await TestServer.StartAsync(propagation: TimeSpan.FromSeconds(30), time: time);
        var zone = await s.CreateZoneAsync();
        using var client = s.Client(time: time);
        var info = await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.0.1")) });
        Assert.Equal(ChangeStatus.PENDING, (await client.GetChangeAsync(info.Id)).Status);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(ChangeStatus.PENDING, (await client.GetChangeAsync(info.ShortId)).Status);
        time.Advance(TimeSpan.FromSeconds(1));
        var done = await client.GetChangeAsync(info.Id);
        Assert.Equal(ChangeStatus.INSYNC, done.Status);
        Assert.Equal(info.SubmittedAt, done.SubmittedAt);
    }

    [Fact]
    public async Task Unknown_change_is_NoSuchChange()
    {
        await using var s = await TestServer.StartAsync();
        using var client = s.Client();
        var ex = await Assert.ThrowsAsync<NoSuchChangeException>(() => client.GetChangeAsync("/change/CNOSUCHCHANGE"));
        Assert.Contains("CNOSUCHCHANGE", ex.Message);
    }

    [Fact]
    public async Task Deleting_a_zone_with_records_is_refused_and_an_empty_one_goes()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        var a = TestServer.A("app.corp.example.", "10.0.0.1");
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, a) });
        var ex = await Assert.ThrowsAsync<Route53Exception>(() => client.DeleteHostedZoneAsync(zone.Id));
        Assert.Equal("HostedZoneNotEmpty", ex.Code);
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.DELETE, a) });
        await client.DeleteHostedZoneAsync(zone.Id);
        await Assert.ThrowsAsync<NoSuchHostedZoneException>(() => client.GetHostedZoneAsync(zone.Id));
    }

    [Fact]
    public async Task Bad_zone_and_change_ids_are_refused_before_any_call()
    {
        await using var s = await TestServer.StartAsync();
        using var client = s.Client();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetHostedZoneAsync("/hostedzone/"));
        Assert.Contains("/hostedzone/", ex.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetChangeAsync("a/b"));
        Assert.Equal(0, client.CallCount);
    }
}
