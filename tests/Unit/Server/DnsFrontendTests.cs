using System.Net;
using DnsClient;
using SiosRoute53.Route53;

namespace SiosRoute53.Tests.Unit.Server;

/// <summary>The DNS frontend answers from INSYNC data only, with each record's TTL.</summary>
public class DnsFrontendTests
{
    private static LookupClient Resolver(IPEndPoint endpoint) => new(new LookupClientOptions(endpoint)
    {
        UseCache = false,
        Retries = 1,
        Timeout = TimeSpan.FromSeconds(2),
        UseTcpFallback = false,
    });

    [Fact]
    public async Task Answers_A_only_once_the_change_is_INSYNC_then_follows_a_swap()
    {
        await using var s = await TestServer.StartAsync(propagation: TimeSpan.FromMilliseconds(400), dns: true);
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        var dns = Resolver(s.Server.DnsEndpoint!);

        var created = await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.1.10", ttl: 10)) });
        var early = await dns.QueryAsync("app.corp.example", QueryType.A);
        Assert.Empty(early.Answers.ARecords());
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, early.Header.ResponseCode);

        await WaitInSyncAsync(client, created.Id);
        var answer = await dns.QueryAsync("app.corp.example", QueryType.A);
        var a = Assert.Single(answer.Answers.ARecords());
        Assert.Equal(IPAddress.Parse("10.0.1.10"), a.Address);
        Assert.Equal(10, a.InitialTimeToLive);
        Assert.True(answer.Header.HasAuthorityAnswer);

        var swap = await client.ChangeResourceRecordSetsAsync(zone.Id, new[]
        {
            new Change(ChangeAction.DELETE, TestServer.A("app.corp.example.", "10.0.1.10", ttl: 10)),
            new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.2.10", ttl: 10)),
        });
        Assert.Equal("10.0.1.10", (await dns.QueryAsync("app.corp.example", QueryType.A)).Answers.ARecords().Single().Address.ToString());
        await WaitInSyncAsync(client, swap.Id);
        Assert.Equal("10.0.2.10", (await dns.QueryAsync("APP.corp.example", QueryType.A)).Answers.ARecords().Single().Address.ToString());
    }

    [Fact]
    public async Task Answers_TXT_NS_and_SOA_and_refuses_names_outside_its_zones()
    {
        await using var s = await TestServer.StartAsync(propagation: TimeSpan.Zero, dns: true);
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[]
        {
            new Change(ChangeAction.CREATE, new ResourceRecordSet("_owner.app.corp.example.", "TXT", 10, new[] { "\"cluster=lab\" \"node=node1\"" })),
        });
        var dns = Resolver(s.Server.DnsEndpoint!);

        var txt = Assert.Single((await dns.QueryAsync("_owner.app.corp.example", QueryType.TXT)).Answers.TxtRecords());
        Assert.Equal(new[] { "cluster=lab", "node=node1" }, txt.Text);
        var ns = (await dns.QueryAsync("corp.example", QueryType.NS)).Answers.NsRecords().ToList();
        Assert.Equal(4, ns.Count); // Route 53 gives every zone four name servers
        var soa = Assert.Single((await dns.QueryAsync("corp.example", QueryType.SOA)).Answers.SoaRecords());
        Assert.Equal(900, soa.InitialTimeToLive);
        var nodata = await dns.QueryAsync("_owner.app.corp.example", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.NoError, nodata.Header.ResponseCode);
        Assert.Empty(nodata.Answers);

        var outside = await dns.QueryAsync("www.elsewhere.example", QueryType.A);
        Assert.Equal(DnsHeaderResponseCode.Refused, outside.Header.ResponseCode);
    }

    private static async Task WaitInSyncAsync(IRoute53Client client, string changeId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await client.GetChangeAsync(changeId)).Status != ChangeStatus.INSYNC)
        {
            Assert.True(DateTime.UtcNow < deadline, "the change did not reach INSYNC within 10 s");
            await Task.Delay(50);
        }
    }
}
