using System.Net;
using SiosRoute53.Route53Server;
using static SiosRoute53.Tests.Unit.Server.Conformance.RawApi;

namespace SiosRoute53.Tests.Unit.Server.Conformance;

/// <summary>
/// Developer Guide, "DNS domain name format", and API reference, ListResourceRecordSets / ListHostedZonesByName:
/// letters stored lower-case; characters other than a-z, 0-9, '-' and '_' returned as \ooo octal escapes, whether
/// sent as characters or escapes; listings ordered by reversed labels with the final dot compared.
/// </summary>
public class NameFormatTests
{
    [Theory]
    [InlineData("App.Corp.Example", "app.corp.example.")]
    [InlineData("*.corp.example.", "\\052.corp.example.")]
    [InlineData("\\052.corp.example", "\\052.corp.example.")]
    [InlineData("_owner.app-2.corp.example.", "_owner.app-2.corp.example.")]
    [InlineData("a+b.corp.example.", "a\\053b.corp.example.")]
    [InlineData("dot\\056inside.corp.example.", "dot\\056inside.corp.example.")]
    [InlineData("ex\\344mple.com", "ex\\344mple.com.")]
    [InlineData("\\101pp.corp.example.", "app.corp.example.")] // an escaped capital is stored lower-case too
    public void A_name_is_stored_lower_case_with_octal_escapes_for_every_character_outside_a_z_0_9_hyphen_underscore(string given, string stored) =>
        Assert.Equal(stored, Route53Names.Canonical(given));

    [Theory]
    [InlineData("two..dots.example.", "empty label")]
    [InlineData("sp ace.example.", "octal escape")]
    [InlineData("exämple.com", "octal escape")]
    public void A_name_Route53_cannot_store_is_refused_with_the_reason(string given, string reason)
    {
        Assert.Null(Route53Names.TryCanonical(given, out var problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void A_label_over_63_bytes_or_a_name_over_255_bytes_is_refused()
    {
        Assert.Null(Route53Names.TryCanonical(new string('a', 64) + ".example.", out var label));
        Assert.Contains("63", label);
        string longName = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)) + ".";
        Assert.Null(Route53Names.TryCanonical(longName, out var total));
        Assert.Contains("255", total);
        Assert.NotNull(Route53Names.TryCanonical(string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('a', 61) + ".", out _));
    }

    [Fact]
    public async Task A_wildcard_record_is_listed_as_052_and_found_by_either_form()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        Assert.Equal(HttpStatusCode.OK, (await api.ChangeAsync(zone.Id, Change("CREATE", Set("*.Corp.Example", "A", 60, "10.0.0.1")))).Status);
        Assert.Contains("\\052.corp.example.", (await api.ListAsync(zone.Id)).All("Name"));

        var again = await api.ChangeAsync(zone.Id, Change("CREATE", Set("\\052.corp.example.", "A", 60, "10.0.0.1")));
        Assert.Contains("[name='\\052.corp.example.', type='A'] but it already exists", again.ErrorMessage);
        Assert.Equal(HttpStatusCode.OK, (await api.ChangeAsync(zone.Id, Change("DELETE", Set("\\052.corp.example.", "A", 60, "10.0.0.1")))).Status);
    }

    [Fact]
    public async Task Record_sets_are_listed_by_reversed_labels_with_the_final_dot_compared_so_app_2_comes_before_app()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);
        await api.ChangeAsync(zone.Id,
            Change("CREATE", Set("app.corp.example.", "A", 60, "10.0.0.1")),
            Change("CREATE", Set("app-2.corp.example.", "A", 60, "10.0.0.2")),
            Change("CREATE", Set("b.app.corp.example.", "A", 60, "10.0.0.3")),
            Change("CREATE", Set("app.corp.example.", "TXT", 60, "\"x\"")),
            Change("CREATE", Set("*.corp.example.", "A", 60, "10.0.0.4")));

        var names = (await api.ListAsync(zone.Id)).Root.Descendants(Ns + "ResourceRecordSet")
            .Select(e => e.Element(Ns + "Name")!.Value + " " + e.Element(Ns + "Type")!.Value).ToList();

        Assert.Equal(new[]
        {
            "corp.example. NS", "corp.example. SOA", "\\052.corp.example. A", "app-2.corp.example. A",
            "app.corp.example. A", "app.corp.example. TXT", "b.app.corp.example. A",
        }, names);
        var fromApp = await api.ListAsync(zone.Id, "name=app.corp.example.&type=TXT");
        Assert.Equal("app.corp.example.", fromApp.All("Name")[0]);
        Assert.Equal("TXT", fromApp.All("Type")[0]);
    }

    [Fact]
    public async Task ListHostedZonesByName_orders_zones_by_reversed_labels_with_the_final_dot_compared()
    {
        await using var s = await TestServer.StartAsync();
        foreach (var name in new[] { "app.example.", "app-2.example.", "b.test.", "a.test." })
            await s.CreateZoneAsync(name, privateZone: false);
        using var api = new RawApi(s);

        var r = await api.ListZonesByNameAsync();

        Assert.Equal(new[] { "app-2.example.", "app.example.", "a.test.", "b.test." }, r.All("Name"));
    }

    [Fact]
    public async Task A_hosted_zone_named_with_a_wildcard_label_is_InvalidDomainName()
    {
        await using var s = await TestServer.StartAsync();
        using var api = new RawApi(s);

        var r = await api.CreateZoneAsync("*.corp.example");

        Assert.Equal("InvalidDomainName", r.ErrorCode);
        Assert.Contains("wildcard", r.ErrorMessage);
        Assert.Equal("InvalidDomainName", (await api.CreateZoneAsync("\\052.corp.example")).ErrorCode);
    }
}
