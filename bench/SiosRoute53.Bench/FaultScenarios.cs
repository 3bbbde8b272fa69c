using System.Diagnostics;
using System.Net;
using System.Text;
using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Platform;
using SiosRoute53.Route53;
using SiosRoute53.Route53Server;
using SiosRoute53.Tunables;

namespace SiosRoute53.Bench;

/// <summary>
/// Requests one restore of a route53 resource makes when Route 53 misbehaves right after accepting the change: a
/// throttling storm, or every connection dropped, until the end of the INSYNC budget. The production client and kit
/// (the node's 5 requests/s budget in its own run directory) with the seed's defaults (ROUTE53_RECORD_TRY_COUNT 3,
/// ROUTE53_CHANGEID_INTERVAL 20 s × ROUTE53_CHANGEID_TRY_COUNT 5).
/// </summary>
internal static class FaultScenarios
{
    /// <summary>The same scenarios measured on the engine before the follower (commit 1e2412a), with the command below.</summary>
    private const string Before =
        "throttled after the change: 52 requests (50 throttled) in 120.7 s; connections dropped after the change: 52 requests in 118.4 s";

    public static async Task<string> ReportAsync()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# INSYNC under faults: requests one restore makes when Route 53 misbehaves after accepting the change");
        sb.AppendLine();
        sb.AppendLine($"Machine: {Report.Machine()}. One route53 resource restored (Route53Kit.RestoreAsync, the production Route53Client over HTTP)");
        sb.AppendLine("against the in-process Route 53-compatible server; the moment ChangeResourceRecordSets is answered, the server's fault injection");
        sb.AppendLine("throttles every request (a storm of 1,000,000) or drops every connection. Defaults: ROUTE53_RECORD_TRY_COUNT=3,");
        sb.AppendLine("ROUTE53_CHANGEID_INTERVAL=20 × ROUTE53_CHANGEID_TRY_COUNT=5 (a 100 s budget), ROUTE53_REQUESTS_PER_SECOND=5.");
        sb.AppendLine("Reproduce: `dotnet run -c Release --project bench/SiosRoute53.Bench -- faults`.");
        sb.AppendLine();
        sb.AppendLine("| scenario | requests sent | throttled | requests per second | time | outcome |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var scenario in new[] { "throttled", "dropped" })
        {
            var r = await RunAsync(scenario);
            sb.AppendLine($"| {(scenario == "throttled" ? "every request throttled after the change" : "every connection dropped after the change")} | {r.Sent} | {r.Throttled} | {Report.F(r.Sent / r.Seconds)} | {Report.F(r.Seconds, "0.0")} s | {r.Outcome.Replace("|", "/")} |");
        }
        sb.AppendLine();
        sb.AppendLine($"Before (kit loops around a retrying client, GetChange retried 5 times per poll): {Before}.");
        return sb.ToString();
    }

    private sealed class OneAddress : INetworkInventory
    {
        public IReadOnlyList<InterfaceAddress> Addresses() => new[] { new InterfaceAddress("eth0", IPAddress.Parse("10.0.1.10"), true, true) };
    }

    public static async Task<(int Sent, int Throttled, double Seconds, string Outcome)> RunAsync(string scenario, string? extraTunables = null)
    {
        string dir = Directory.CreateTempSubdirectory("siosr53-faults-").FullName;
        Environment.SetEnvironmentVariable("SIOSR53_RUN_DIR", Path.Combine(dir, "run"));
        try
        {
            string tunables = Path.Combine(dir, "tunables");
            File.WriteAllText(tunables, extraTunables ?? "");
            await using var server = await Route53CompatibleServer.StartAsync(new Route53ServerOptions { PropagationDelay = TimeSpan.FromSeconds(30) });
            server.Authenticator.AddKey("AKIDBENCH", "bench-secret");
            var (zone, _) = server.Zones.CreateZone("faults.bench.example.", "faults-" + Guid.NewGuid(), null, true);
            var node = BenchNode.Build("node1", "10.0.1.10", new[] { zone }, 1, server.Endpoint);
            var handler = new InsyncBenchmark.CountingHandler();
            Action fault = scenario switch
            {
                "throttled" => () => server.Faults.Update(f => f with { ThrottleNextRequests = 1_000_000 }),
                "dropped" => () => server.Faults.Update(f => f with { DropRate = 1 }),
                _ => throw new ArgumentException(scenario),
            };
            Route53ClientFactory factory = (access, t, log) => new AfterChangeRoute53Client(
                new Route53Client(new StaticCredentialSource(new AwsKeys("AKIDBENCH", "bench-secret")),
                    Route53ClientOptions.From(access, log) with { RequestsPerSecond = t.Int("ROUTE53_REQUESTS_PER_SECOND") }, handler), fault);
            var context = new KitContext
            {
                Resource = node.Resources[1],
                NodeName = "node1",
                ClusterName = "bench",
                Tunables = TunableSet.Load(tunables),
                Environment = new KitEnvironment { Route53 = factory, Network = new OneAddress() },
                Children = new Dictionary<string, ResourceDefinition>(StringComparer.OrdinalIgnoreCase) { ["ip"] = node.Resources[0] },
            };
            var watch = Stopwatch.StartNew();
            string outcome;
            try { outcome = "ok: " + (await new Route53Kit().RestoreAsync(context, CancellationToken.None)).Message; }
            catch (Exception e) { outcome = e.GetType().Name + ": " + e.Message; }
            return (handler.Sent, handler.Throttled, watch.Elapsed.TotalSeconds, outcome);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
