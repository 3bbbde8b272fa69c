using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Route53;

/// <summary>
/// One layer of retries: the client decides, kits and the INSYNC follower do not retry around it, and a Throttling
/// answer slows the whole node to about one request a second. The server's fault injection plays Route 53.
/// </summary>
[Collection("process environment")]
public sealed class RetryLayerTests : IDisposable
{
    private readonly string _runDir = Directory.CreateTempSubdirectory("siosr53-run-").FullName;
    private readonly string? _savedRunDir = Environment.GetEnvironmentVariable("SIOSR53_RUN_DIR");

    public RetryLayerTests() => Environment.SetEnvironmentVariable("SIOSR53_RUN_DIR", _runDir);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("SIOSR53_RUN_DIR", _savedRunDir);
        Directory.Delete(_runDir, true);
    }

    /// <summary>The production client (node budget on, attempts from the kit's tunables) against the test server.</summary>
    private static Route53Client NodeClient(TestServer s, AwsAccessOptions access) =>
        new(new StaticCredentialSource(new AwsKeys(TestServer.AccessKey, TestServer.SecretKey)),
            Route53ClientOptions.From(access with { EndpointUrl = s.Server.Endpoint }) with { RequestsPerSecond = 5 });

    [Fact]
    public async Task GetChange_is_asked_once_per_poll_since_the_follower_decides_when_to_ask_again()
    {
        await using var s = await TestServer.StartAsync();
        using var client = s.Client(attempts: 5);
        s.Server.Faults.Update(f => f with { ThrottleNextRequests = 3 });
        await Assert.ThrowsAsync<ThrottlingException>(() => client.GetChangeAsync("C0123"));
        Assert.Equal(1, client.CallCount);
    }

    [Fact]
    public async Task During_a_throttling_storm_the_node_adds_about_one_request_a_second()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = NodeClient(s, new AwsAccessOptions { MaxAttempts = 1000 });
        s.Server.Faults.Update(f => f with { ThrottleNextRequests = 1_000_000 });
        long before = s.Server.RequestCount;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        // Three callers that would each send five requests a second on the node's budget without the storm.
        var callers = Enumerable.Range(0, 3).Select(async _ =>
        {
            try { await client.GetHostedZoneAsync(zone.Id, stop.Token); }
            catch (OperationCanceledException) { }
        });
        await Task.WhenAll(callers);
        long sent = s.Server.RequestCount - before;
        // 5 s at one a second after the first answers, plus the three first requests in flight together.
        Assert.InRange(sent, 3, 5 + 3 + 1);
    }

    [Theory]
    [InlineData("throttled")]
    [InlineData("dropped")]
    public async Task A_restore_whose_change_cannot_be_followed_makes_a_handful_of_requests_and_says_so(string fault)
    {
        await using var s = await TestServer.StartAsync(propagation: TimeSpan.FromMinutes(5));
        var zone = await s.CreateZoneAsync();
        Action inject = fault == "throttled"
            ? () => s.Server.Faults.Update(f => f with { ThrottleNextRequests = 1_000_000 })
            : () => s.Server.Faults.Update(f => f with { DropRate = 1 });
        var kit = new KitHarness(() => null!, zoneId: zone.ShortId, zoneName: zone.Name, tunables: "ROUTE53_CHANGEID_INTERVAL=2\nROUTE53_CHANGEID_TRY_COUNT=3\n");
        var context = kit.Context() with
        {
            Environment = kit.Environment with { Route53 = (access, t, log) => new AfterChangeRoute53Client(NodeClient(s, access), inject) },
        };
        long before = s.Server.RequestCount;

        var e = await Assert.ThrowsAsync<ResourceActionException>(() => new Route53Kit().RestoreAsync(context, default));

        long sent = s.Server.RequestCount - before;
        Assert.Matches(@"still PENDING after [67] s \(the last GetChange failed: (Throttling|Transport)\)", e.Message);
        // One read, one change, then GetChange at 0.8 s and backing off 1, 2, 2 s to the 6 s deadline: about 6, where
        // a kit loop around a retrying client made 2 + 5 × (polls) before.
        Assert.InRange(sent, 4, 8);
        Assert.Equal(1, s.Server.CallsByOperation.GetValueOrDefault("ChangeResourceRecordSets"));
    }
}
