using System.Net;
using static SiosRoute53.Tests.Unit.Server.Conformance.RawApi;

namespace SiosRoute53.Tests.Unit.Server.Conformance;

/// <summary>
/// API reference, ResourceRecordSet and AliasTarget: alias records and routing-policy records (SetIdentifier with
/// Weight, Region, Failover, GeoLocation or MultiValueAnswer, and HealthCheckId) are kept and returned field by
/// field; a DELETE must repeat every field.
/// </summary>
public class AliasAndRoutingPolicyTests
{
    private const string ElbZone = "Z35SXDOTRQ7X7K"; // an ELB's hosted zone: not one of the server's

    [Fact]
    public async Task Alias_records_are_created_listed_and_deleted_with_their_AliasTarget()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);
        string toElb = Alias("www.corp.example.", "A", ElbZone, "My-LB-1234.us-east-1.elb.amazonaws.com", evaluate: true);
        string toOwnRecord = Alias("app.corp.example.", "A", zone.ShortId, "node.corp.example.");

        var created = await api.ChangeAsync(zone.Id,
            Change("CREATE", Set("node.corp.example.", "A", 60, "10.0.1.10")),
            Change("CREATE", toElb),
            Change("CREATE", toOwnRecord));
        Assert.Equal(HttpStatusCode.OK, created.Status);

        var list = await api.ListAsync(zone.Id);
        var www = list.Root.Descendants(Ns + "ResourceRecordSet").Single(e => e.Element(Ns + "Name")!.Value == "www.corp.example.");
        var alias = www.Element(Ns + "AliasTarget")!;
        Assert.Equal(ElbZone, alias.Element(Ns + "HostedZoneId")!.Value);
        Assert.Equal("my-lb-1234.us-east-1.elb.amazonaws.com.", alias.Element(Ns + "DNSName")!.Value);
        Assert.Equal("true", alias.Element(Ns + "EvaluateTargetHealth")!.Value);
        Assert.Null(www.Element(Ns + "TTL"));
        Assert.Null(www.Element(Ns + "ResourceRecords"));

        var wrongTarget = await api.ChangeAsync(zone.Id, Change("DELETE", Alias("www.corp.example.", "A", ElbZone, "other-lb.us-east-1.elb.amazonaws.com", evaluate: true)));
        Assert.Equal("InvalidChangeBatch", wrongTarget.ErrorCode);
        Assert.Contains("the values provided do not match the current values", wrongTarget.ErrorMessage);

        var deleted = await api.ChangeAsync(zone.Id, Change("DELETE", toElb), Change("DELETE", toOwnRecord));
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.DoesNotContain("www.corp.example.", (await api.ListAsync(zone.Id)).All("Name"));
    }

    [Fact]
    public async Task An_alias_with_a_TTL_or_a_record_with_neither_is_InvalidInput_naming_the_action_and_the_type()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var both = await api.ChangeAsync(zone.Id, Change("UPSERT",
            "<Name>www.corp.example.</Name><Type>A</Type><TTL>60</TTL>" +
            $"<AliasTarget><HostedZoneId>{ElbZone}</HostedZoneId><DNSName>lb.example.com</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>"));
        Assert.Equal("InvalidInput", both.ErrorCode);
        Assert.Equal("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], " +
                     "but found more than one in Change with [Action=UPSERT, Name=www.corp.example., Type=A, SetIdentifier=null]", both.ErrorMessage);

        var none = await api.ChangeAsync(zone.Id, Change("CREATE",
            "<Name>www.corp.example.</Name><Type>TXT</Type><ResourceRecords><ResourceRecord><Value>\"x\"</Value></ResourceRecord></ResourceRecords>"));
        Assert.Equal("InvalidInput", none.ErrorCode);
        Assert.EndsWith("but found none in Change with [Action=CREATE, Name=www.corp.example., Type=TXT, SetIdentifier=null]", none.ErrorMessage);
    }

    [Fact]
    public async Task An_alias_to_a_record_of_one_of_the_servers_zones_must_name_a_record_that_exists()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var r = await api.ChangeAsync(zone.Id, Change("CREATE", Alias("app.corp.example.", "A", zone.ShortId, "nothing.corp.example.")));

        Assert.Equal("InvalidChangeBatch", r.ErrorCode);
        Assert.Contains("but that target was not found", r.ErrorMessage);
    }

    [Fact]
    public async Task Weighted_failover_latency_geolocation_and_multivalue_records_are_kept_and_returned_field_by_field()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var r = await api.ChangeAsync(zone.Id,
            Change("CREATE", Set("w.corp.example.", "A", 60, new[] { "10.0.0.1" }, "<SetIdentifier>blue</SetIdentifier><Weight>70</Weight>")),
            Change("CREATE", Set("w.corp.example.", "A", 60, new[] { "10.0.0.2" }, "<SetIdentifier>green</SetIdentifier><Weight>30</Weight>")),
            Change("CREATE", Set("f.corp.example.", "A", 60, new[] { "10.0.0.3" }, "<SetIdentifier>main</SetIdentifier><Failover>PRIMARY</Failover>")
                .Replace("</ResourceRecords>", "</ResourceRecords><HealthCheckId>abcdef11-2222-3333-4444-555555fedcba</HealthCheckId>")),
            Change("CREATE", Set("l.corp.example.", "A", 60, new[] { "10.0.0.4" }, "<SetIdentifier>east</SetIdentifier><Region>us-east-1</Region>")),
            Change("CREATE", Set("g.corp.example.", "A", 60, new[] { "10.0.0.5" }, "<SetIdentifier>eu</SetIdentifier><GeoLocation><ContinentCode>EU</ContinentCode></GeoLocation>")),
            Change("CREATE", Set("m.corp.example.", "A", 60, new[] { "10.0.0.6" }, "<SetIdentifier>one</SetIdentifier><MultiValueAnswer>true</MultiValueAnswer>")));
        Assert.Equal(HttpStatusCode.OK, r.Status);

        var sets = (await api.ListAsync(zone.Id)).Root.Descendants(Ns + "ResourceRecordSet")
            .Where(e => e.Element(Ns + "SetIdentifier") is not null)
            .ToDictionary(e => e.Element(Ns + "Name")!.Value + "/" + (string?)e.Element(Ns + "SetIdentifier"));
        Assert.Equal("70", sets["w.corp.example./blue"].Element(Ns + "Weight")!.Value);
        Assert.Equal("30", sets["w.corp.example./green"].Element(Ns + "Weight")!.Value);
        Assert.Equal("PRIMARY", sets["f.corp.example./main"].Element(Ns + "Failover")!.Value);
        Assert.Equal("abcdef11-2222-3333-4444-555555fedcba", sets["f.corp.example./main"].Element(Ns + "HealthCheckId")!.Value);
        Assert.Equal("us-east-1", sets["l.corp.example./east"].Element(Ns + "Region")!.Value);
        Assert.Equal("EU", sets["g.corp.example./eu"].Element(Ns + "GeoLocation")!.Element(Ns + "ContinentCode")!.Value);
        Assert.Equal("true", sets["m.corp.example./one"].Element(Ns + "MultiValueAnswer")!.Value);
    }

    [Fact]
    public async Task SetIdentifier_without_a_routing_policy_or_a_policy_without_SetIdentifier_is_InvalidInput()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var noPolicy = await api.ChangeAsync(zone.Id, Change("CREATE", Set("w.corp.example.", "A", 60, new[] { "10.0.0.1" }, "<SetIdentifier>blue</SetIdentifier>")));
        Assert.Equal("InvalidInput", noPolicy.ErrorCode);
        Assert.Contains("Expected exactly one of [Weight, Region, Failover, GeoLocation, or MultiValueAnswer], but found none", noPolicy.ErrorMessage);

        var noIdentifier = await api.ChangeAsync(zone.Id, Change("CREATE", Set("w.corp.example.", "A", 60, new[] { "10.0.0.1" }, "<Weight>10</Weight>")));
        Assert.Equal("InvalidInput", noIdentifier.ErrorCode);
        Assert.Equal("Invalid request: Missing field 'SetIdentifier' in Change with [Action=CREATE, Name=w.corp.example., Type=A, SetIdentifier=null]", noIdentifier.ErrorMessage);

        var weightTooHigh = await api.ChangeAsync(zone.Id, Change("CREATE", Set("w.corp.example.", "A", 60, new[] { "10.0.0.1" }, "<SetIdentifier>b</SetIdentifier><Weight>256</Weight>")));
        Assert.Equal("InvalidInput", weightTooHigh.ErrorCode);
    }

    [Fact]
    public async Task A_simple_record_beside_policy_records_of_the_same_name_and_type_is_refused_and_the_reverse_too()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);
        await api.ChangeAsync(zone.Id,
            Change("CREATE", Set("w.corp.example.", "A", 60, new[] { "10.0.0.1" }, "<SetIdentifier>blue</SetIdentifier><Weight>70</Weight>")),
            Change("CREATE", Set("plain.corp.example.", "A", 60, "10.0.0.9")));

        var simple = await api.ChangeAsync(zone.Id, Change("CREATE", Set("w.corp.example.", "A", 60, "10.0.0.2")));
        Assert.Equal("InvalidChangeBatch", simple.ErrorCode);
        Assert.Contains("RRSet with DNS name w.corp.example., type A cannot be created as other RRSets exist with the same name and type.", simple.ErrorMessage);

        var weighted = await api.ChangeAsync(zone.Id, Change("CREATE", Set("plain.corp.example.", "A", 60, new[] { "10.0.0.3" }, "<SetIdentifier>green</SetIdentifier><Weight>1</Weight>")));
        Assert.Equal("InvalidChangeBatch", weighted.ErrorCode);
        Assert.Contains("cannot be created as a non-weighted set exists with the same name and type", weighted.ErrorMessage);

        // A TXT record of the same name is another type: allowed.
        var txt = await api.ChangeAsync(zone.Id, Change("CREATE", Set("w.corp.example.", "TXT", 60, "\"owner\"")));
        Assert.Equal(HttpStatusCode.OK, txt.Status);
    }

    [Fact]
    public async Task A_DELETE_of_a_policy_record_must_repeat_every_field_including_weight_and_health_check()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);
        const string policy = "<SetIdentifier>blue</SetIdentifier><Weight>70</Weight>";
        string exact = Set("w.corp.example.", "A", 60, new[] { "10.0.0.1" }, policy);
        await api.ChangeAsync(zone.Id, Change("CREATE", exact));

        var otherWeight = await api.ChangeAsync(zone.Id, Change("DELETE", Set("w.corp.example.", "A", 60, new[] { "10.0.0.1" }, "<SetIdentifier>blue</SetIdentifier><Weight>71</Weight>")));
        Assert.Equal("[Tried to delete resource record set [name='w.corp.example.', type='A', set-identifier='blue'] but the values provided do not match the current values]", otherWeight.ErrorMessage);
        var withHealthCheck = await api.ChangeAsync(zone.Id, Change("DELETE", exact.Replace("</ResourceRecords>", "</ResourceRecords><HealthCheckId>abc</HealthCheckId>")));
        Assert.Equal("InvalidChangeBatch", withHealthCheck.ErrorCode);

        Assert.Equal(HttpStatusCode.OK, (await api.ChangeAsync(zone.Id, Change("DELETE", exact))).Status);
    }
}
