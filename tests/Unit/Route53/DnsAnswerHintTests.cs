using System.Net;
using SiosRoute53.Kits;
using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Route53;

/// <summary>DNS hints against the Route 53-compatible server's DNS frontend, which answers a change's records once it is INSYNC.</summary>
public class DnsAnswerHintTests
{
    [Fact]
    public async Task The_hint_shows_the_new_value_only_once_the_name_servers_answer_it()
    {
        await using var s = await TestServer.StartAsync(propagation: TimeSpan.FromSeconds(1), dns: true);
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();
        var change = await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.1.10")) });
        var hint = new DnsAnswerHint(new[] { s.Server.DnsEndpoint! }, "app.corp.example", IPAddress.Parse("10.0.1.10"));

        Assert.False(await hint.ShowsNewValueAsync(default));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await hint.ShowsNewValueAsync(default) != true)
        {
            Assert.True(DateTime.UtcNow < deadline, "the name server did not answer the new value within 10 s");
            await Task.Delay(50);
        }
        Assert.Equal(ChangeStatus.INSYNC, (await client.GetChangeAsync(change.Id)).Status);
        Assert.False(await new DnsAnswerHint(new[] { s.Server.DnsEndpoint! }, "app.corp.example", IPAddress.Parse("10.0.1.11")).ShowsNewValueAsync(default));
    }

    [Fact]
    public async Task A_name_server_that_cannot_be_asked_makes_the_hint_unusable_rather_than_false()
    {
        var closed = new IPEndPoint(IPAddress.Loopback, TestServer.FreeUdpPort());
        Assert.Null(await new DnsAnswerHint(new[] { closed }, "app.corp.example", IPAddress.Parse("10.0.1.10")).ShowsNewValueAsync(default));
    }

    [Theory]
    [InlineData("ns1.example.com")]
    [InlineData("10.0.0.2:x")]
    public void A_hint_server_that_is_not_an_address_is_an_error_naming_the_tunable(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => DnsAnswerHint.ParseServers(value));
        Assert.Contains("ROUTE53_DNS_HINT_SERVERS", e.Message);
        Assert.Contains(value, e.Message);
    }

    [Fact]
    public void A_bad_hint_server_setting_is_refused_when_the_tunables_are_read_before_anything_is_changed()
    {
        var zone = new Route53WireFake();
        var e = Assert.Throws<SiosRoute53.Tunables.TunablesFileException>(() => new KitHarness(() => zone.Client(), tunables: "ROUTE53_DNS_HINT_SERVERS=ns-1.awsdns-01.org\n"));
        Assert.Equal("ROUTE53_DNS_HINT_SERVERS", e.Key);
        Assert.Contains("'ns-1.awsdns-01.org', which is not an IP address", e.Message);
        Assert.Empty(zone.ChangeBodies);
    }

    [Fact]
    public void Hint_servers_take_port_53_unless_told()
    {
        Assert.Equal(new[] { new IPEndPoint(IPAddress.Parse("10.0.0.2"), 53), new IPEndPoint(IPAddress.Loopback, 5353) },
            DnsAnswerHint.ParseServers("10.0.0.2, 127.0.0.1:5353"));
        Assert.Null(DnsAnswerHint.From("", "app.corp.example", IPAddress.Loopback));
    }

    [Fact]
    public async Task A_restore_with_hint_servers_asks_GetChange_when_the_name_server_answers_the_new_address()
    {
        await using var s = await TestServer.StartAsync(propagation: TimeSpan.FromSeconds(3), dns: true);
        var zone = await s.CreateZoneAsync();
        var kit = new KitHarness(() => s.Client(), zoneId: zone.ShortId, zoneName: zone.Name,
            tunables: $"ROUTE53_CHANGEID_INTERVAL=20\nROUTE53_DNS_HINT_SERVERS={s.Server.DnsEndpoint}\n");

        var result = await new Route53Kit().RestoreAsync(kit.Context(), default);

        Assert.Contains("INSYNC after", result.Message);
        Assert.Contains(kit.Log, l => l.Contains("INSYNC") && l.Contains("asked by rule: dns hint"));
        // Before the name server answered, only the safety net asked: one poll at 5 s at most, then the hinted one.
        Assert.InRange(s.Server.CallsByOperation.GetValueOrDefault("GetChange"), 1, 2);
    }
}
