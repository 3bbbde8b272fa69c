using System.Net;
using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Ocf;
using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Ocf;

/// <summary>The agent's actions against the Route 53-compatible server, as Pacemaker would run them on two nodes.</summary>
public sealed class Route53AgentTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sr53-ocf-" + Guid.NewGuid().ToString("n"));
    private readonly List<string> _log = new();

    public Route53AgentTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "tunables"),
            "ROUTE53_RECORD_INTERVAL=1\nROUTE53_RECORD_TRY_COUNT=2\nROUTE53_CHANGEID_INTERVAL=1\nROUTE53_CHANGEID_TRY_COUNT=10\nROUTE53_RECORDCHECK_INTERVAL=1\nROUTE53_RECORDCHECK_TRY_COUNT=2\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>One node's agent: its own run directory (as /run is per node), keys of the test server, quick retries.</summary>
    private Route53Agent Agent(TestServer s, HostedZone zone, string node, long intervalMs = 0, string? secret = null,
        string? endpoint = null, params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["OCF_RESKEY_hostedzoneid"] = zone.ShortId,
            ["OCF_RESKEY_fullname"] = "app.corp.example",
            ["OCF_RESKEY_ip"] = "node1=10.0.1.10,node2=10.0.2.10",
            ["OCF_RESKEY_endpoint_url"] = endpoint ?? s.Server.Endpoint.ToString(),
            ["OCF_RESKEY_cluster"] = "lab",
            ["OCF_RESKEY_tunables"] = Path.Combine(_dir, "tunables"),
            ["OCF_RESKEY_CRM_meta_on_node"] = node,
            ["OCF_RESKEY_CRM_meta_interval"] = intervalMs.ToString(),
            ["OCF_RESOURCE_INSTANCE"] = "web-dns",
            // Never the real instance metadata address, even if the fake below were bypassed.
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9/",
        };
        foreach (var (k, v) in extra) env[k.StartsWith("OCF_", StringComparison.Ordinal) || k.StartsWith("AWS_", StringComparison.Ordinal) ? k : "OCF_RESKEY_" + k] = v;
        return new Route53Agent(env, new AgentHost
        {
            RunDirectory = Path.Combine(_dir, node),
            Route53 = (access, tunables, log) => new Route53Client(new StaticCredentialSource(new AwsKeys(TestServer.AccessKey, secret ?? TestServer.SecretKey)),
                Route53ClientOptions.From(access, log) with
                {
                    RequestsPerSecond = 0,
                    Retry = new RetryPolicy { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) },
                    RequestTimeout = TimeSpan.FromSeconds(2),
                }),
            Metadata = new InstanceMetadata(new FakeMetadata("10.0.3.30")),
            Log = (level, line) => { lock (_log) _log.Add($"{node} {level}: {line}"); },
        });
    }

    private static async Task<(ResourceRecordSet? A, OwnershipMark? Mark)> RecordAsync(TestServer s, HostedZone zone)
    {
        using var client = s.Client();
        var a = (await client.GetRecordSetsAsync(zone.Id, "app.corp.example.", "A")).FirstOrDefault();
        var mark = OwnershipMark.Parse((await client.GetRecordSetsAsync(zone.Id, OwnershipMark.NameFor("app.corp.example."), "TXT")).FirstOrDefault());
        return (a, mark);
    }

    private static async Task Run(Route53Agent agent, string action, OcfExitCode expected)
    {
        var decision = await agent.RunAsync(action, CancellationToken.None);
        Assert.True(decision.ExitCode == expected, $"{action}: expected {expected}, got {decision.ExitCode} [{decision.Rule}] {decision.Message}");
    }

    [Fact]
    public async Task Start_points_the_record_at_this_node_with_its_mark_and_the_monitor_then_says_running()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();

        await Run(Agent(s, zone, "node1"), "monitor", OcfExitCode.NotRunning);
        await Run(Agent(s, zone, "node1"), "start", OcfExitCode.Success);

        var (a, mark) = await RecordAsync(s, zone);
        Assert.Equal(new[] { "10.0.1.10" }, a!.Values);
        Assert.Equal(new OwnershipMark("lab", "web-dns", "node1"), mark);
        await Run(Agent(s, zone, "node1"), "monitor", OcfExitCode.Success);
        await Run(Agent(s, zone, "node1", intervalMs: 10000), "monitor", OcfExitCode.Success);
    }

    [Fact]
    public async Task Stop_leaves_the_record_and_a_stopped_resource_monitors_as_not_running()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node1"), "start", OcfExitCode.Success);
        long before = s.Server.RequestCount;

        await Run(Agent(s, zone, "node1"), "stop", OcfExitCode.Success);
        await Run(Agent(s, zone, "node1"), "stop", OcfExitCode.Success);
        await Run(Agent(s, zone, "node1"), "monitor", OcfExitCode.NotRunning);
        await Run(Agent(s, zone, "node1", intervalMs: 10000), "monitor", OcfExitCode.NotRunning);

        Assert.Equal(before, s.Server.RequestCount); // neither stop nor the monitor of a stopped resource asks Route 53
        Assert.Equal(new[] { "10.0.1.10" }, (await RecordAsync(s, zone)).A!.Values);
    }

    [Fact]
    public async Task When_the_other_node_takes_the_record_the_recurring_monitor_fails_and_the_probe_says_not_running()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node1"), "start", OcfExitCode.Success);
        await Run(Agent(s, zone, "node2"), "start", OcfExitCode.Success);

        Assert.Equal(new OwnershipMark("lab", "web-dns", "node2"), (await RecordAsync(s, zone)).Mark);
        await Run(Agent(s, zone, "node1", intervalMs: 10000), "monitor", OcfExitCode.ErrGeneric);
        await Run(Agent(s, zone, "node1"), "monitor", OcfExitCode.NotRunning);
        await Run(Agent(s, zone, "node2", intervalMs: 10000), "monitor", OcfExitCode.Success);
    }

    [Fact]
    public async Task The_probe_says_running_only_when_the_mark_names_this_node_even_if_the_address_is_ours()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node1"), "start", OcfExitCode.Success);
        // Another cluster (a copy of this CIB elsewhere) marks the record while it still holds node1's address.
        var (a, _) = await RecordAsync(s, zone);
        using (var client = s.Client())
        {
            var markSet = (await client.GetRecordSetsAsync(zone.Id, OwnershipMark.NameFor("app.corp.example."), "TXT")).Single();
            await client.ChangeResourceRecordSetsAsync(zone.Id, new[]
            {
                new Change(ChangeAction.DELETE, markSet),
                new Change(ChangeAction.CREATE, new OwnershipMark("other", "web-dns", "node1").ToRecordSet("app.corp.example.", 10)),
            });
        }
        await Run(Agent(s, zone, "node1"), "monitor", OcfExitCode.NotRunning);
        await Run(Agent(s, zone, "node1", intervalMs: 10000), "monitor", OcfExitCode.ErrGeneric);
        Assert.Equal(new[] { "10.0.1.10" }, a!.Values);
    }

    [Theory]
    [InlineData("by hand")]
    [InlineData("by another cluster")]
    public async Task A_record_this_cluster_does_not_own_is_not_overwritten_and_start_fails(string owner)
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using (var client = s.Client())
        {
            var changes = new List<Change> { new(ChangeAction.CREATE, TestServer.A("app.corp.example.", "10.9.9.9")) };
            if (owner == "by another cluster") changes.Add(new(ChangeAction.CREATE, new OwnershipMark("prod", "web-dns", "far").ToRecordSet("app.corp.example.", 10)));
            await client.ChangeResourceRecordSetsAsync(zone.Id, changes);
        }

        var refused = await Agent(s, zone, "node1").RunAsync("start", CancellationToken.None);
        await Run(Agent(s, zone, "node1"), "monitor", OcfExitCode.NotRunning);

        Assert.Equal(OcfExitCode.ErrGeneric, refused.ExitCode);
        Assert.Contains("adopt=true", refused.Message);
        Assert.Equal(new[] { "10.9.9.9" }, (await RecordAsync(s, zone)).A!.Values);
        // adopt=true takes it over with a compare-and-swap.
        await Run(Agent(s, zone, "node1", extra: new[] { ("adopt", "true") }), "start", OcfExitCode.Success);
        Assert.Equal(new[] { "10.0.1.10" }, (await RecordAsync(s, zone)).A!.Values);
    }

    [Fact]
    public async Task A_throttled_Route53_during_start_makes_the_start_fail_and_the_record_stays()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node1"), "start", OcfExitCode.Success);
        s.Server.Faults.Update(f => f with { ThrottleNextRequests = 1000 });

        await Run(Agent(s, zone, "node2"), "start", OcfExitCode.ErrGeneric);

        s.Server.Faults.Update(f => f with { ThrottleNextRequests = 0 });
        Assert.Equal(new[] { "10.0.1.10" }, (await RecordAsync(s, zone)).A!.Values);
        await Run(Agent(s, zone, "node2"), "monitor", OcfExitCode.NotRunning);
    }

    [Fact]
    public async Task An_unreachable_Route53_during_start_makes_the_start_fail()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        var decision = await Agent(s, zone, "node1", endpoint: "http://127.0.0.1:9/").RunAsync("start", CancellationToken.None);
        Assert.Equal(OcfExitCode.ErrGeneric, decision.ExitCode);
        Assert.Contains("127.0.0.1:9", decision.Message + string.Join("\n", _log));
        await Run(Agent(s, zone, "node1"), "monitor", OcfExitCode.NotRunning);
    }

    [Fact]
    public async Task A_change_that_never_reaches_INSYNC_within_the_budget_makes_the_start_fail()
    {
        await using var s = await TestServer.StartAsync(propagation: TimeSpan.FromMinutes(5));
        var zone = await s.CreateZoneAsync();
        File.WriteAllText(Path.Combine(_dir, "tunables"), "ROUTE53_CHANGEID_INTERVAL=1\nROUTE53_CHANGEID_TRY_COUNT=2\n");
        var decision = await Agent(s, zone, "node1").RunAsync("start", CancellationToken.None);
        Assert.Equal(OcfExitCode.ErrGeneric, decision.ExitCode);
        Assert.Contains("PENDING", decision.Message);
        await Run(Agent(s, zone, "node1"), "monitor", OcfExitCode.NotRunning);
    }

    [Fact]
    public async Task Start_gives_up_before_Pacemakers_timeout_and_fails()
    {
        await using var s = await TestServer.StartAsync(propagation: TimeSpan.FromMinutes(5));
        var zone = await s.CreateZoneAsync();
        var started = DateTime.UtcNow;
        var decision = await Agent(s, zone, "node1", extra: new[] { ("OCF_RESKEY_CRM_meta_timeout", "3000") }).RunAsync("start", CancellationToken.None);
        Assert.Equal(OcfExitCode.ErrGeneric, decision.ExitCode);
        Assert.Equal("timeout", decision.Rule);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "the start did not give up");
    }

    [Fact]
    public async Task Wrong_credentials_fail_start_and_validate_all_as_configuration_errors_but_never_fail_a_running_resources_monitor()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node1", secret: "wrong"), "start", OcfExitCode.ErrConfigured);
        await Run(Agent(s, zone, "node1", secret: "wrong"), "validate-all", OcfExitCode.ErrConfigured);
        await Run(Agent(s, zone, "node1"), "start", OcfExitCode.Success);
        // The secret is rotated under a running resource: the monitor says so but keeps it (and its group) running.
        var decision = await Agent(s, zone, "node1", intervalMs: 10000, secret: "wrong").RunAsync("monitor", CancellationToken.None);
        Assert.Equal(OcfExitCode.Success, decision.ExitCode);
        Assert.Equal("route53-refused-not-a-failure", decision.Rule);
        // A probe cannot confirm the record and does not claim the resource.
        await Run(Agent(s, zone, "node1", secret: "wrong"), "monitor", OcfExitCode.NotRunning);
        // Fixed credentials: the record is judged again, and it is still this node's.
        await Run(Agent(s, zone, "node1", intervalMs: 10000), "monitor", OcfExitCode.Success);
    }

    [Fact]
    public async Task A_Route53_outage_is_not_a_monitor_failure_but_a_probe_does_not_claim_the_resource()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node1"), "start", OcfExitCode.Success);
        s.Server.Faults.Update(f => f with { Outage = true });

        await Run(Agent(s, zone, "node1", intervalMs: 10000), "monitor", OcfExitCode.Success);
        await Run(Agent(s, zone, "node1"), "monitor", OcfExitCode.NotRunning);
    }

    [Fact]
    public async Task Many_resources_in_one_zone_cost_one_zone_read_per_interval_on_a_node()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        const int count = 20;
        for (int i = 0; i < count; i++)
            await Run(Agent(s, zone, "node1", extra: new[] { ("fullname", $"app{i}.corp.example"), ("OCF_RESOURCE_INSTANCE", $"dns{i}") }), "start", OcfExitCode.Success);
        long listsBefore = s.Server.CallsByOperation.GetValueOrDefault("ListResourceRecordSets");

        // Every resource's recurring monitor, each its own agent (as Pacemaker runs them: separate processes).
        var decisions = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            Agent(s, zone, "node1", intervalMs: 30000, extra: new[] { ("fullname", $"app{i}.corp.example"), ("OCF_RESOURCE_INSTANCE", $"dns{i}") }).RunAsync("monitor", CancellationToken.None)));

        Assert.All(decisions, d => Assert.Equal(OcfExitCode.Success, d.ExitCode));
        Assert.Equal(1, s.Server.CallsByOperation.GetValueOrDefault("ListResourceRecordSets") - listsBefore);
    }

    [Fact]
    public async Task A_start_on_this_node_makes_the_next_monitor_read_the_zone_again()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node2"), "start", OcfExitCode.Success);
        await Run(Agent(s, zone, "node2", intervalMs: 60000), "monitor", OcfExitCode.Success); // node2's snapshot now says node2
        await Run(Agent(s, zone, "node1"), "start", OcfExitCode.Success);
        // node1's own start forgot node1's snapshot; node2's (a minute's bound) still says node2 until it expires.
        await Run(Agent(s, zone, "node1", intervalMs: 60000), "monitor", OcfExitCode.Success);
    }

    [Fact]
    public async Task Ip_local_reads_this_instances_address_from_IMDSv2()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node1", extra: new[] { ("ip", "local") }), "start", OcfExitCode.Success);
        Assert.Equal(new[] { "10.0.3.30" }, (await RecordAsync(s, zone)).A!.Values);
    }

    [Fact]
    public async Task Validate_all_checks_that_the_record_lies_inside_the_zone()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node1"), "validate-all", OcfExitCode.Success);
        var decision = await Agent(s, zone, "node1", extra: new[] { ("fullname", "app.other.example") }).RunAsync("validate-all", CancellationToken.None);
        Assert.Equal(OcfExitCode.ErrConfigured, decision.ExitCode);
        Assert.Contains("corp.example", decision.Message);
        await Run(Agent(s, zone, "node3"), "validate-all", OcfExitCode.ErrArgs);
    }

    [Fact]
    public async Task An_unknown_action_is_unimplemented()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        await Run(Agent(s, zone, "node1"), "promote", OcfExitCode.ErrUnimplemented);
    }

    /// <summary>IMDSv2: a token from PUT /latest/api/token, then the item with that token.</summary>
    private sealed class FakeMetadata(string address) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Put && path == "/latest/api/token" && request.Headers.Contains("X-aws-ec2-metadata-token-ttl-seconds"))
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("token-1") });
            if (request.Method == HttpMethod.Get && path == "/latest/meta-data/local-ipv4" && request.Headers.TryGetValues("X-aws-ec2-metadata-token", out var t) && t.Single() == "token-1")
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(address) });
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Unauthorized));
        }
    }
}
