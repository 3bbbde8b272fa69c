using System.Net;
using static SiosRoute53.Tests.Unit.Server.Conformance.RawApi;

namespace SiosRoute53.Tests.Unit.Server.Conformance;

/// <summary>
/// API reference, CreateHostedZone / GetHostedZone / ListHostedZones: a private zone needs a VPC and carries it
/// instead of a delegation set; a public zone gets four name servers; CreateHostedZone answers 201 with a Location
/// header; MaxItems echoes the request.
/// </summary>
public class HostedZoneTests
{
    [Fact]
    public async Task CreateHostedZone_with_PrivateZone_and_no_VPC_is_InvalidInput_and_creates_nothing()
    {
        await using var s = await TestServer.StartAsync();
        using var api = new RawApi(s);

        var r = await api.CreateZoneAsync("corp.example", "<HostedZoneConfig><PrivateZone>true</PrivateZone></HostedZoneConfig>");

        Assert.Equal("InvalidInput", r.ErrorCode);
        Assert.Contains("needs a VPC", r.ErrorMessage);
        Assert.Empty(s.Server.Zones.Zones());
    }

    [Fact]
    public async Task A_private_zone_carries_its_VPC_and_no_delegation_set()
    {
        await using var s = await TestServer.StartAsync();
        using var api = new RawApi(s) { AllowedMissing = new[] { "DelegationSet" } };

        var created = await api.CreateZoneAsync("corp.example",
            "<VPC><VPCRegion>eu-west-1</VPCRegion><VPCId>vpc-0123456789abcdef0</VPCId></VPC><HostedZoneConfig><Comment>lab</Comment></HostedZoneConfig>");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("true", created.One("PrivateZone"));
        Assert.Equal("vpc-0123456789abcdef0", created.Root.Element(Ns + "VPC")!.Element(Ns + "VPCId")!.Value);
        Assert.Null(created.Root.Element(Ns + "DelegationSet"));

        var got = await api.GetZoneAsync(created.One("Id")!);
        var vpc = got.Root.Element(Ns + "VPCs")!.Element(Ns + "VPC")!;
        Assert.Equal(("eu-west-1", "vpc-0123456789abcdef0"), (vpc.Element(Ns + "VPCRegion")!.Value, vpc.Element(Ns + "VPCId")!.Value));
        Assert.Null(got.Root.Element(Ns + "DelegationSet"));
    }

    [Fact]
    public async Task A_VPC_id_that_is_not_one_is_InvalidVPCId()
    {
        await using var s = await TestServer.StartAsync();
        using var api = new RawApi(s);

        var r = await api.CreateZoneAsync("corp.example", "<VPC><VPCRegion>eu-west-1</VPCRegion><VPCId>my-vpc</VPCId></VPC>");

        Assert.Equal("InvalidVPCId", r.ErrorCode);
        Assert.Contains("'my-vpc'", r.ErrorMessage);
    }

    [Fact]
    public async Task A_public_zone_answers_201_with_a_Location_header_and_four_name_servers()
    {
        await using var s = await TestServer.StartAsync();
        using var api = new RawApi(s);

        var created = await api.CreateZoneAsync("corp.example");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        string id = created.One("Id")!;
        Assert.Equal($"{s.Server.Endpoint.GetLeftPart(UriPartial.Authority)}/2013-04-01{id}", created.Headers["Location"]);
        Assert.Equal("false", created.One("PrivateZone"));
        Assert.Equal(4, created.Root.Element(Ns + "DelegationSet")!.Descendants(Ns + "NameServer").Count());
        Assert.Null(created.Root.Element(Ns + "VPC"));

        var got = await api.GetZoneAsync(id);
        Assert.Equal(created.All("NameServer"), got.All("NameServer"));
        var ns = (await api.ListAsync(id, "name=corp.example.&type=NS")).Root.Descendants(Ns + "ResourceRecordSet").First();
        Assert.Equal(created.All("NameServer"), ns.Descendants(Ns + "Value").Select(v => v.Value));
    }

    [Fact]
    public async Task MaxItems_echoes_the_value_the_request_gave_in_every_listing()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        Assert.Equal("500", (await api.ListZonesAsync("maxitems=500")).One("MaxItems"));
        Assert.Equal("7", (await api.ListZonesByNameAsync("maxitems=7")).One("MaxItems"));
        var records = await api.ListAsync(zone.Id, "maxitems=1000");
        Assert.Equal("1000", records.One("MaxItems"));
        Assert.Equal(2, records.All("Name").Count);
        Assert.Equal("100", (await api.ListZonesAsync()).One("MaxItems"));
        Assert.Equal("1", (await api.ListAsync(zone.Id, "maxitems=1")).One("MaxItems"));
    }
}
