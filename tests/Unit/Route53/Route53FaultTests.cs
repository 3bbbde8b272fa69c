using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Route53;

/// <summary>Authentication failures, throttling, busy zones, server faults, dropped connections, timeouts, cancellation.</summary>
public class Route53FaultTests
{
    [Fact]
    public async Task Throttling_is_retried_with_backoff_and_then_succeeds()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        var log = new List<string>();
        using var client = s.Client(log.Add, attempts: 5);
        s.Server.Faults.Update(f => f with { ThrottleNextRequests = 3 });

        var sets = await client.ListAllResourceRecordSetsAsync(zone.Id);

        Assert.Equal(2, sets.Count);
        Assert.Equal(4, client.CallCount);
        Assert.Equal(3, log.Count(l => l.Contains("Throttling") && l.Contains("retrying")));
    }

    [Fact]
    public async Task A_throttling_storm_longer_than_the_attempts_ends_in_ThrottlingException()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client(attempts: 3);
        s.Server.Faults.Update(f => f with { ThrottleNextRequests = 10 });
        var ex = await Assert.ThrowsAsync<ThrottlingException>(() => client.GetHostedZoneAsync(zone.Id));
        Assert.Equal("Throttling", ex.Code);
        Assert.Equal(3, client.CallCount);
    }

    [Fact]
    public async Task The_server_rate_limit_throttles_above_five_requests_per_second_and_the_client_rides_it_out()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        s.Server.Faults.Update(f => f with { RequestsPerSecond = 5 });
        using var client = s.Client(retry: new RetryPolicy { MaxAttempts = 10, BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) });
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.GetHostedZoneAsync(zone.Id)));
        Assert.All(results, z => Assert.Equal(zone.ShortId, z.ShortId));
        Assert.True(client.CallCount > 12, $"expected some throttled attempts, made {client.CallCount} calls");
    }

    [Fact]
    public async Task The_shared_request_budget_keeps_a_burst_under_the_server_limit()
    {
        // The client's slots and the server's one-second window on one clock that moves only when the requests whose
        // slot has come are answered: how late a loaded machine runs a request cannot bunch them up at the server.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var s = await TestServer.StartAsync(time: clock);
        var zone = await s.CreateZoneAsync();
        s.Server.Faults.Update(f => f with { RequestsPerSecond = 5 });
        using var client = new Route53Client(
            new SiosRoute53.Aws.StaticCredentialSource(new SiosRoute53.Aws.AwsKeys(TestServer.AccessKey, TestServer.SecretKey)),
            new Route53ClientOptions { Endpoint = s.Server.Endpoint, RequestsPerSecond = 4, Retry = new RetryPolicy { MaxAttempts = 1 }, Time = clock });
        int answered = 0;
        var burst = Enumerable.Range(0, 8).Select(async _ =>
        {
            try { await client.GetHostedZoneAsync(zone.Id); }
            finally { Interlocked.Increment(ref answered); }
        }).ToList();
        for (int step = 0; step < 400 && burst.Any(t => !t.IsCompleted); step++)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref answered) < client.CallCount && DateTime.UtcNow < deadline) await Task.Delay(1);
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }
        await Task.WhenAll(burst); // a throttled attempt (one retry-less Throttling answer) fails here
        Assert.Equal(8, client.CallCount);
    }

    [Fact]
    public async Task PriorRequestNotComplete_is_retried()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        s.Server.Faults.Update(f => f with { PriorRequestWindow = TimeSpan.FromMilliseconds(300) });
        var log = new List<string>();
        using var client = s.Client(log.Add, retry: new RetryPolicy { MaxAttempts = 8, BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) });
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("a.corp.example.", "10.0.0.1")) });
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("b.corp.example.", "10.0.0.2")) });
        Assert.Contains(log, l => l.Contains("PriorRequestNotComplete"));
        Assert.Equal(2, (await client.ListAllResourceRecordSetsAsync(zone.Id)).Count(r => r.Type == "A"));
    }

    [Fact]
    public async Task PriorRequestNotComplete_past_the_attempts_is_typed()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        s.Server.Faults.Update(f => f with { PriorRequestWindow = TimeSpan.FromMinutes(5) });
        using var client = s.Client(attempts: 2);
        await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("a.corp.example.", "10.0.0.1")) });
        await Assert.ThrowsAsync<PriorRequestNotCompleteException>(() =>
            client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("b.corp.example.", "10.0.0.2")) }));
    }

    [Fact]
    public async Task Server_errors_are_retried_and_an_outage_ends_in_a_server_error()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client(attempts: 3);
        s.Server.Faults.Update(f => f with { Outage = true });
        var ex = await Assert.ThrowsAsync<Route53ServerErrorException>(() => client.GetHostedZoneAsync(zone.Id));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(3, client.CallCount);

        s.Server.Faults.Update(f => f with { Outage = false, ServerErrorRate = 0.5 });
        using var patient = s.Client(attempts: 30);
        for (int i = 0; i < 10; i++) await patient.GetHostedZoneAsync(zone.Id);
        Assert.True(patient.CallCount > 10, "with half the answers 500, some calls must have been retried");
    }

    [Fact]
    public async Task Dropped_connections_are_transport_errors_that_are_retried()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        s.Server.Faults.Update(f => f with { DropRate = 1 });
        using var client = s.Client(attempts: 2);
        var ex = await Assert.ThrowsAsync<Route53TransportException>(() => client.GetHostedZoneAsync(zone.Id));
        Assert.Equal("Transport", ex.Code);
        Assert.Equal(2, client.CallCount);

        s.Server.Faults.Update(f => f with { DropRate = 0.5 });
        using var patient = s.Client(attempts: 30);
        for (int i = 0; i < 6; i++) await patient.GetHostedZoneAsync(zone.Id);
    }

    [Fact]
    public async Task A_slow_answer_times_out_per_attempt()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        s.Server.Faults.Update(f => f with { Latency = TimeSpan.FromSeconds(3) });
        using var client = s.Client(attempts: 2, timeout: TimeSpan.FromMilliseconds(200));
        var ex = await Assert.ThrowsAsync<Route53TransportException>(() => client.GetHostedZoneAsync(zone.Id));
        Assert.Equal("Timeout", ex.Code);
        Assert.Equal(2, client.CallCount);
    }

    [Fact]
    public async Task Cancellation_stops_a_call_at_once()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        s.Server.Faults.Update(f => f with { Latency = TimeSpan.FromSeconds(30) });
        using var client = s.Client(timeout: TimeSpan.FromMinutes(1));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetHostedZoneAsync(zone.Id, cts.Token));
        Assert.Equal(1, client.CallCount);
    }

    [Fact]
    public async Task A_wrong_secret_is_SignatureDoesNotMatch_and_is_not_retried()
    {
        await using var s = await TestServer.StartAsync();
        using var client = s.Client(secret: "not-the-secret");
        var ex = await Assert.ThrowsAsync<SignatureDoesNotMatchException>(() => client.ListHostedZonesAsync());
        Assert.Equal(1, client.CallCount);
        Assert.DoesNotContain("not-the-secret", ex.ToString());
    }

    [Fact]
    public async Task An_unknown_key_and_a_forbidden_action_are_AccessDenied()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var stranger = s.Client(accessKey: "AKIDUNKNOWN");
        var unknown = await Assert.ThrowsAsync<AccessDeniedException>(() => stranger.ListHostedZonesAsync());
        Assert.Equal("InvalidClientTokenId", unknown.Code);

        s.Server.Authenticator.AddKey("AKIDREADONLY", "readonly-secret", new[] { "ListHostedZones", "GetChange", "ListResourceRecordSets" });
        using var reader = s.Client(accessKey: "AKIDREADONLY", secret: "readonly-secret");
        await reader.ListResourceRecordSetsAsync(zone.Id);
        var denied = await Assert.ThrowsAsync<AccessDeniedException>(() =>
            reader.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.CREATE, TestServer.A("x.corp.example.", "10.0.0.1")) }));
        Assert.Contains("route53:ChangeResourceRecordSets", denied.Message);
    }

    [Fact]
    public async Task A_clock_more_than_15_minutes_off_is_refused_with_advice()
    {
        await using var s = await TestServer.StartAsync();
        var skewed = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-20));
        using var client = s.Client(time: skewed);
        var ex = await Assert.ThrowsAsync<SignatureDoesNotMatchException>(() => client.ListHostedZonesAsync());
        Assert.Contains("clock", ex.Message);
    }

    [Fact]
    public async Task Nothing_the_client_logs_or_throws_contains_the_secret()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        var log = new List<string>();
        using var client = s.Client(log.Add, attempts: 2);
        s.Server.Faults.Update(f => f with { ThrottleNextRequests = 5 });
        var ex = await Assert.ThrowsAsync<ThrottlingException>(() => client.GetHostedZoneAsync(zone.Id));
        var keys = new SiosRoute53.Aws.AwsKeys(TestServer.AccessKey, TestServer.SecretKey, "session-token-value");
        foreach (var text in log.Append(ex.ToString()).Append(keys.ToString()))
        {
            Assert.DoesNotContain(TestServer.SecretKey, text);
            Assert.DoesNotContain("session-token-value", text);
        }
        Assert.DoesNotContain(TestServer.AccessKey, keys.ToString());
    }
}
