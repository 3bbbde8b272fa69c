using System.Xml.Linq;
using SiosRoute53.Kits;
using SiosRoute53.Route53;

namespace SiosRoute53.Tests.Unit.Route53;

/// <summary>
/// Records as real Route 53 answers them: alias records (AliasTarget, no TTL, no values) and names in Route 53's
/// DomainNameFormat ("\052" for "*"). The Route 53-compatible server does not keep aliases nor escape names yet, so
/// these run against <see cref="Route53WireFake"/>, which speaks Route 53's wire format.
/// </summary>
public class AliasAndEscapedNameTests
{
    private static readonly XNamespace Ns = Route53Xml.Ns;
    private static readonly AliasTarget Elb = new("Z35SXDOTRQ7X7K", "dualstack.web-1234567890.us-east-1.elb.amazonaws.com.", true);

    private static ResourceRecordSet AliasA(string name = "app.corp.example.") => new(name, "A", null, Array.Empty<string>()) { AliasTarget = Elb };

    [Fact]
    public void An_alias_record_in_a_listing_keeps_its_target()
    {
        // The shape of ListResourceRecordSets' answer for an alias record (Route 53 API reference, ResourceRecordSet).
        var doc = XDocument.Parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
              <ResourceRecordSets>
                <ResourceRecordSet>
                  <Name>app.corp.example.</Name>
                  <Type>A</Type>
                  <AliasTarget>
                    <HostedZoneId>Z35SXDOTRQ7X7K</HostedZoneId>
                    <DNSName>dualstack.web-1234567890.us-east-1.elb.amazonaws.com.</DNSName>
                    <EvaluateTargetHealth>true</EvaluateTargetHealth>
                  </AliasTarget>
                </ResourceRecordSet>
              </ResourceRecordSets>
              <IsTruncated>false</IsTruncated>
              <MaxItems>100</MaxItems>
            </ListResourceRecordSetsResponse>
            """);
        var set = Route53Xml.ParseListRecordSets(doc).RecordSets.Single();
        Assert.Equal(Elb, set.AliasTarget);
        Assert.Null(set.Ttl);
        Assert.Empty(set.Values);
        Assert.True(set.MatchesExactly(AliasA()));
        Assert.False(set.MatchesExactly(AliasA() with { AliasTarget = Elb with { EvaluateTargetHealth = false } }));
        Assert.False(set.MatchesExactly(new ResourceRecordSet("app.corp.example.", "A", null, Array.Empty<string>())));
    }

    [Fact]
    public void A_DELETE_of_an_alias_repeats_its_target_and_sends_no_TTL_or_values()
    {
        var e = Route53Xml.ChangeBatchRequest(new[] { new Change(ChangeAction.DELETE, AliasA()) }, null)
            .Descendants(Ns + "ResourceRecordSet").Single();
        Assert.Null(e.Element(Ns + "TTL"));
        Assert.Null(e.Element(Ns + "ResourceRecords"));
        var alias = e.Element(Ns + "AliasTarget")!;
        Assert.Equal("Z35SXDOTRQ7X7K", (string?)alias.Element(Ns + "HostedZoneId"));
        Assert.Equal(Elb.DnsName, (string?)alias.Element(Ns + "DNSName"));
        Assert.Equal("true", (string?)alias.Element(Ns + "EvaluateTargetHealth"));
        // The API model's member order: Name, Type, …, AliasTarget.
        Assert.Equal(new[] { "Name", "Type", "AliasTarget" }, e.Elements().Select(x => x.Name.LocalName));
    }

    [Fact]
    public async Task Start_with_Force_adopts_a_name_that_is_an_alias_today()
    {
        var zone = new Route53WireFake();
        zone.Put(AliasA());
        var kit = new KitHarness(() => zone.Client());

        var refused = await Assert.ThrowsAsync<ResourceActionException>(() => new Route53Kit().RestoreAsync(kit.Context(), default));
        Assert.Contains("alias to dualstack.web-1234567890", refused.Message);
        Assert.Contains("-Adopt", refused.Message);
        Assert.Empty(zone.ChangeBodies);

        var result = await new Route53Kit().RestoreAsync(kit.Context(force: true), default);

        Assert.Contains("10.0.1.10", result.Message);
        var body = Assert.Single(zone.ChangeBodies);
        var delete = body.Descendants(Ns + "Change").Single(c => (string?)c.Element(Ns + "Action") == "DELETE" && (string?)c.Descendants(Ns + "Type").First() == "A");
        Assert.Equal(Elb.DnsName, (string?)delete.Descendants(Ns + "DNSName").Single());
        var a = zone.Sets.Single(s => s.Type == "A");
        Assert.Null(a.AliasTarget);
        Assert.Equal(new[] { "10.0.1.10" }, a.Values);
    }

    [Fact]
    public async Task Recovery_repairs_a_record_of_ours_that_was_turned_into_an_alias()
    {
        var zone = new Route53WireFake();
        var kit = new KitHarness(() => zone.Client());
        await new Route53Kit().RestoreAsync(kit.Context(), default);
        // Someone points the name at a load balancer behind the cluster's back; the ownership mark still names this node.
        zone.Put(AliasA());
        var check = await new Route53Kit().QuickCheckAsync(kit.Context(), default);
        Assert.Equal(CheckOutcome.Failed, check.Outcome);
        Assert.Contains("alias to dualstack.web-1234567890", check.Message);

        await new Route53Kit().RecoverAsync(kit.Context(), default);

        Assert.Equal(new[] { "10.0.1.10" }, zone.Sets.Single(s => s.Type == "A").Values);
        Assert.Equal(CheckOutcome.Healthy, (await new Route53Kit().QuickCheckAsync(kit.Context(), default)).Outcome);
    }

    [Theory]
    [InlineData("\\052.corp.example.", "*.corp.example")]
    [InlineData("\\052.Corp.Example.", "*.corp.example.")]
    [InlineData("a\\100b.corp.example.", "a@b.corp.example.")]
    [InlineData("_siosroute53.\\052.corp.example.", "_siosroute53.*.corp.example.")]
    public void A_name_in_Route53s_escaped_form_equals_the_name_in_plain_characters(string escaped, string plain)
    {
        Assert.True(DnsNames.Equal(escaped, plain));
        Assert.Equal(0, DnsNames.CompareForListing(escaped, plain));
        Assert.Equal(DnsNames.Normalize(plain), DnsNames.Normalize(escaped));
    }

    [Fact]
    public void An_escaped_dot_stays_part_of_its_label()
    {
        Assert.False(DnsNames.Equal("a\\056b.corp.example.", "a.b.corp.example."));
        Assert.Equal("a\\056b.corp.example.", DnsNames.Normalize("a\\056b.corp.example"));
    }

    [Fact]
    public async Task A_wildcard_record_resource_works_when_Route53_answers_with_escaped_names()
    {
        var zone = new Route53WireFake();
        var kit = new KitHarness(() => zone.Client(), record: "*.corp.example.");

        var first = await new Route53Kit().RestoreAsync(kit.Context(), default);
        Assert.Contains("created *.corp.example.", first.Message);
        Assert.Contains("read back 10.0.1.10", first.Message);

        // Route 53 lists the record as \052.corp.example.: it is still ours, so a second start changes nothing...
        var again = await new Route53Kit().RestoreAsync(kit.Context(), default);
        Assert.Contains("already holds 10.0.1.10 and is owned by this node", again.Message);
        Assert.Single(zone.ChangeBodies);
        // ...and the check finds it.
        Assert.Equal(CheckOutcome.Healthy, (await new Route53Kit().QuickCheckAsync(kit.Context(), default)).Outcome);
    }
}

/// <summary>The same against the Route 53-compatible server, now that it keeps alias targets and answers escaped names.</summary>
public class AliasAndEscapedNameServerTests
{
    [Fact]
    public async Task Start_with_Force_adopts_an_alias_held_by_the_Route53_compatible_server()
    {
        await using var s = await SiosRoute53.Tests.Unit.Server.TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using (var setup = s.Client())
            await setup.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE,
                new ResourceRecordSet("app.corp.example.", "A", null, Array.Empty<string>()) { AliasTarget = new AliasTarget("Z35SXDOTRQ7X7K", "dualstack.web-1234567890.us-east-1.elb.amazonaws.com.", false) }) });
        var kit = new KitHarness(() => s.Client(), zoneId: zone.ShortId, zoneName: zone.Name);

        var result = await new Route53Kit().RestoreAsync(kit.Context(force: true), default);

        Assert.Contains("swapped app.corp.example. from alias to dualstack.web-1234567890", result.Message);
        using var client = s.Client();
        var a = (await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A")).Single();
        Assert.Null(a.AliasTarget);
        Assert.Equal(new[] { "10.0.1.10" }, a.Values);
    }

    [Fact]
    public async Task A_wildcard_record_resource_works_against_the_Route53_compatible_server()
    {
        await using var s = await SiosRoute53.Tests.Unit.Server.TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        var kit = new KitHarness(() => s.Client(), record: "*.corp.example.", zoneId: zone.ShortId, zoneName: zone.Name);

        await new Route53Kit().RestoreAsync(kit.Context(), default);
        var again = await new Route53Kit().RestoreAsync(kit.Context(), default);

        Assert.Contains("already holds 10.0.1.10 and is owned by this node", again.Message);
        Assert.Equal(CheckOutcome.Healthy, (await new Route53Kit().QuickCheckAsync(kit.Context(), default)).Outcome);
    }
}
