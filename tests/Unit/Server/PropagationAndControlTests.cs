using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SiosRoute53.Route53;
using SiosRoute53.Route53Server;

namespace SiosRoute53.Tests.Unit.Server;

/// <summary>
/// Realistic propagation (a change is PENDING for a time drawn per change from a range, as real changes take from
/// seconds to about a minute) and the control endpoint's per-operation request counters.
/// </summary>
public class PropagationAndControlTests
{
    [Theory]
    [InlineData("2", 2, 2)]
    [InlineData("0.3", 0.3, 0.3)]
    [InlineData("20-60", 20, 60)]
    [InlineData(" 1-100 ", 1, 100)]
    public void A_propagation_is_seconds_or_a_MIN_MAX_range(string text, double min, double max)
    {
        var p = PropagationRange.Parse(text);
        Assert.Equal((TimeSpan.FromSeconds(min), TimeSpan.FromSeconds(max)), (p.Min, p.Max));
    }

    [Theory]
    [InlineData("60-20")]
    [InlineData("-5")]
    [InlineData("1-2-3")]
    [InlineData("soon")]
    public void A_reversed_or_malformed_propagation_is_refused_naming_the_value(string text)
    {
        var e = Assert.Throws<FormatException>(() => PropagationRange.Parse(text));
        Assert.Contains($"'{text}'", e.Message);
    }

    [Fact]
    public void Each_change_draws_its_own_propagation_time_within_the_range()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var store = new ZoneStore(time) { Propagation = PropagationRange.Parse("20-60") };
        var (zone, _) = store.CreateZone("corp.example.", "ref", null, privateZone: true);
        var changes = Enumerable.Range(0, 40).Select(i => store.Apply(zone.Id,
            new[] { new Change(ChangeAction.CREATE, TestServer.A($"r{i}.corp.example.", "10.0.0.1")) }, null, TimeSpan.Zero)).ToList();
        int InSync() => changes.Count(c => store.GetChange(c.Id).Status == ChangeStatus.INSYNC);

        time.Advance(TimeSpan.FromSeconds(19.9));
        Assert.Equal(0, InSync());
        time.Advance(TimeSpan.FromSeconds(20.1)); // 40 s: the middle of the range
        Assert.InRange(InSync(), 1, 39); // all 40 on one side of the middle: 2 × 2^-40
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(40, InSync());
    }

    [Fact]
    public void The_DNS_view_never_goes_back_when_a_later_change_is_INSYNC_before_an_earlier_one()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var store = new ZoneStore(time, TimeSpan.FromSeconds(60));
        var (zone, _) = store.CreateZone("corp.example.", "ref", null, privateZone: true);
        store.Apply(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.0.1")) }, null, TimeSpan.Zero);
        store.PropagationDelay = TimeSpan.FromSeconds(1);
        store.Apply(zone.Id, new[]
        {
            new Change(ChangeAction.DELETE, TestServer.A("app.corp.example.", "10.0.0.1")),
            new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.0.2")),
        }, null, TimeSpan.Zero);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("10.0.0.2", store.Published("app.corp.example").Records.Single().Values.Single());
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal("10.0.0.2", store.Published("app.corp.example").Records.Single().Values.Single());
    }

    private static HttpClient Control(TestServer s)
    {
        var control = new HttpClient { BaseAddress = s.Server.Endpoint };
        control.DefaultRequestHeaders.Add("X-Control-Token", "control-token");
        return control;
    }

    [Fact]
    public async Task The_control_endpoint_counts_requests_and_Throttling_per_operation_and_resets_them()
    {
        await using var s = await TestServer.StartAsync(propagation: TimeSpan.Zero, controlToken: "control-token");
        using var control = Control(s);
        var zone = await s.CreateZoneAsync();
        using var client = s.Client(attempts: 1);
        var change = await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.0.0.1")) });
        await client.GetChangeAsync(change.Id);
        s.Server.Faults.Update(f => f with { ThrottleNextRequests = 1 });
        await Assert.ThrowsAsync<ThrottlingException>(() => client.GetChangeAsync(change.Id));

        using var counts = JsonDocument.Parse(await control.GetStringAsync("/_control/requests"));
        var ops = counts.RootElement.GetProperty("operations");
        Assert.Equal(3, counts.RootElement.GetProperty("total").GetInt64());
        Assert.Equal(1, ops.GetProperty("ChangeResourceRecordSets").GetProperty("requests").GetInt64());
        Assert.Equal(2, ops.GetProperty("GetChange").GetProperty("requests").GetInt64());
        Assert.Equal(1, ops.GetProperty("GetChange").GetProperty("throttled").GetInt64());

        using var reset = await control.DeleteAsync("/_control/requests");
        Assert.Contains("\"GetChange\"", await reset.Content.ReadAsStringAsync());
        using var after = JsonDocument.Parse(await control.GetStringAsync("/_control/requests"));
        Assert.Equal(0, after.RootElement.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task The_control_endpoint_sets_a_propagation_range_and_refuses_a_bad_one_or_a_missing_token()
    {
        await using var s = await TestServer.StartAsync(controlToken: "control-token");
        using var control = Control(s);
        var server = s.Server;

        using var set = await control.PutAsync("/_control/propagation", new StringContent("20-60", Encoding.UTF8));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(PropagationRange.Parse("20-60"), server.Zones.Propagation);
        var faults = await control.GetFromJsonAsync<JsonElement>("/_control/faults");
        Assert.Equal("20-60", faults.GetProperty("propagation").GetString());

        using var bad = await control.PutAsync("/_control/propagation", new StringContent("60-20", Encoding.UTF8));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'60-20'", await bad.Content.ReadAsStringAsync());
        Assert.Equal(PropagationRange.Parse("20-60"), server.Zones.Propagation);

        using var anonymous = new HttpClient { BaseAddress = server.Endpoint };
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync("/_control/requests")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PutAsync("/_control/propagation", new StringContent("0"))).StatusCode);
        Assert.Equal(PropagationRange.Parse("20-60"), server.Zones.Propagation);
    }
}
