using System.Net;
using static SiosRoute53.Tests.Unit.Server.Conformance.RawApi;

namespace SiosRoute53.Tests.Unit.Server.Conformance;

/// <summary>
/// Developer Guide, DNSLimitations ("Limits on ChangeResourceRecordSets requests"), and API reference,
/// ResourceRecordSet / ListResourceRecordSets: a request is limited by its records and characters, not by bytes;
/// malformed input is InvalidInput with a message that names the action and the type.
/// </summary>
public class LimitsAndInputTests
{
    private static IEnumerable<string> Addresses(int count, int offset = 0) =>
        Enumerable.Range(offset, count).Select(i => $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}");

    [Fact]
    public async Task A_request_may_hold_1000_ResourceRecord_elements_but_not_1001_and_an_UPSERT_counts_twice()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var thousand = await api.ChangeAsync(zone.Id, Change("CREATE", Set("big.corp.example.", "A", 60, Addresses(1000))));
        Assert.Equal(HttpStatusCode.OK, thousand.Status); // far more than the old 64 KiB body cap

        var over = await api.ChangeAsync(zone.Id,
            Change("CREATE", Set("a.corp.example.", "A", 60, Addresses(1000))),
            Change("CREATE", Set("b.corp.example.", "A", 60, "10.9.9.9")));
        Assert.Equal(("InvalidChangeBatch", "[Number of records limit of 1000 exceeded.]"), (over.ErrorCode, over.ErrorMessage));

        var upsert = await api.ChangeAsync(zone.Id, Change("UPSERT", Set("u.corp.example.", "A", 60, Addresses(501))));
        Assert.Equal("InvalidChangeBatch", upsert.ErrorCode); // 501 values × 2
        Assert.Equal(HttpStatusCode.OK, (await api.ChangeAsync(zone.Id, Change("UPSERT", Set("u.corp.example.", "A", 60, Addresses(500))))).Status);
    }

    [Fact]
    public async Task A_request_may_hold_32000_characters_of_values_and_an_UPSERT_counts_them_twice()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);
        // 128 values of 250 characters ("x…" with quotes = 250) is exactly 32,000.
        var values = Enumerable.Range(0, 128).Select(i => "\"" + i.ToString("000") + new string('x', 245) + "\"").ToList();
        Assert.Equal(32_000, values.Sum(v => v.Length));

        Assert.Equal(HttpStatusCode.OK, (await api.ChangeAsync(zone.Id, Change("CREATE", Set("t.corp.example.", "TXT", 60, values)))).Status);
        var over = await api.ChangeAsync(zone.Id, Change("CREATE", Set("t2.corp.example.", "TXT", 60, values.Append("\"y\""))));
        Assert.Equal(("InvalidChangeBatch", "[Number of characters limit of 32000 exceeded.]"), (over.ErrorCode, over.ErrorMessage));
        var upsert = await api.ChangeAsync(zone.Id, Change("UPSERT", Set("t3.corp.example.", "TXT", 60, values.Take(65))));
        Assert.Equal("InvalidChangeBatch", upsert.ErrorCode);
    }

    [Fact]
    public async Task A_TXT_string_of_more_than_255_characters_is_refused_but_a_value_may_hold_several_strings()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var tooLong = await api.ChangeAsync(zone.Id, Change("CREATE", Set("t.corp.example.", "TXT", 60, "\"" + new string('a', 256) + "\"")));
        Assert.Equal("InvalidChangeBatch", tooLong.ErrorCode);
        Assert.Contains("TXTRDATATooLong", tooLong.ErrorMessage);

        string twoStrings = "\"" + new string('a', 255) + "\" \"" + new string('b', 255) + "\"";
        Assert.Equal(HttpStatusCode.OK, (await api.ChangeAsync(zone.Id, Change("CREATE", Set("t.corp.example.", "TXT", 60, twoStrings)))).Status);
    }

    [Fact]
    public async Task A_record_without_TTL_is_InvalidInput_that_names_the_action_and_the_type()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var r = await api.ChangeAsync(zone.Id, Change("DELETE",
            "<Name>app.corp.example.</Name><Type>A</Type><ResourceRecords><ResourceRecord><Value>10.0.0.1</Value></ResourceRecord></ResourceRecords>"));

        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal("InvalidInput", r.ErrorCode);
        Assert.EndsWith("found none in Change with [Action=DELETE, Name=app.corp.example., Type=A, SetIdentifier=null]", r.ErrorMessage);
    }

    [Fact]
    public async Task An_unknown_record_type_in_a_listing_request_or_in_a_change_is_InvalidInput()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var list = await api.ListAsync(zone.Id, "name=app.corp.example.&type=AX");
        Assert.Equal("InvalidInput", list.ErrorCode);
        Assert.Contains("'AX'", list.ErrorMessage);

        var change = await api.ChangeAsync(zone.Id, Change("CREATE", Set("app.corp.example.", "AX", 60, "10.0.0.1")));
        Assert.Equal("InvalidInput", change.ErrorCode);
        Assert.Contains("Type 'AX'", change.ErrorMessage);
        Assert.Contains("Action=CREATE", change.ErrorMessage);
    }

    [Fact]
    public async Task An_unknown_action_is_InvalidInput_and_changes_nothing()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var r = await api.ChangeAsync(zone.Id, Change("REPLACE", Set("app.corp.example.", "A", 60, "10.0.0.1")));

        Assert.Equal("InvalidInput", r.ErrorCode);
        Assert.Contains("[CREATE, DELETE, UPSERT]", r.ErrorMessage);
        Assert.Equal(2, (await api.ListAsync(zone.Id)).All("Name").Count);
    }
}
