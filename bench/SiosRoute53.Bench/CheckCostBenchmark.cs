using System.Diagnostics;
using System.Net;
using System.Text;
using SiosRoute53.Aws;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Platform;
using SiosRoute53.Route53;
using SiosRoute53.Route53Server;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Bench;

/// <summary>
/// 2. Route 53 API calls per health-check cycle for 1, 10, 100 and 1000 route53 resources over 1 and 10 hosted zones,
/// and the time that cycle takes under the 5 requests/s account limit (enforced by the server and by the client's
/// shared budget), against checking each resource with its own read (LifeKeeper's way).
/// </summary>
internal static class CheckCostBenchmark
{
    private sealed class OneAddress : INetworkInventory
    {
        public IReadOnlyList<InterfaceAddress> Addresses() => new[] { new InterfaceAddress("eth0", IPAddress.Parse("10.0.1.10"), true, true) };
    }

    /// <summary>A node with <paramref name="count"/> route53 resources in service, their records already in the server.</summary>
    public static (ResourceManager Manager, List<Route53Settings> Records) Seed(
        Route53CompatibleServer server, string directory, int count, int zones, Route53ClientFactory factory, string tunablesPath)
    {
        var zoneList = Enumerable.Range(0, zones).Select(z => server.Zones.CreateZone($"z{z}.bench.example.", $"bench-{z}-{Guid.NewGuid()}", null, true).Zone).ToList();
        var node = BenchNode.Build("node1", "10.0.1.10", zoneList, count, server.Endpoint);
        foreach (var (zone, changes) in node.ChangesByZone) server.Zones.Apply(zone, changes, "seed", TimeSpan.Zero);
        var store = node.WriteStore(directory);
        var manager = new ResourceManager(store, new KitEnvironment { Route53 = factory, Network = new OneAddress() }, () => TunableSet.Load(tunablesPath));
        return (manager, node.Resources.Skip(1).Select(r => Route53Settings.For(r, "node1")).ToList());
    }

    public static async Task<string> RunAsync()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Route 53 API calls per health-check cycle, and the cycle's time under 5 requests/s");
        sb.AppendLine();
        sb.AppendLine($"Machine: {Report.Machine()}. The Route 53-compatible server in-process on loopback answers Throttling above 5 requests/s;");
        sb.AppendLine("the client's shared budget is 5 requests/s (ROUTE53_REQUESTS_PER_SECOND). Each resource's A record and ownership TXT record are in the zone.");
        sb.AppendLine("\"zone by zone\" is one `Test-HaResource` cycle (the engine's CheckAsync); \"one read each\" reads each resource's record");
        sb.AppendLine("with its own ListResourceRecordSets call, as a per-resource check (LifeKeeper's quickCheck) does. 3 cycles each.");
        sb.AppendLine("Reproduce: `dotnet pwsh ./build.ps1 -Task Bench` (or `dotnet run -c Release --project bench/SiosRoute53.Bench -- checkcost`).");
        sb.AppendLine();
        sb.AppendLine("| resources | zones | calls, zone by zone | cycle time, zone by zone | calls, one read each | cycle time, one read each | calls: one read each ÷ zone by zone |");
        sb.AppendLine("|---:|---:|---:|---|---:|---|---:|");
        string dir = Directory.CreateTempSubdirectory("siosr53-bench-").FullName;
        string tunables = Path.Combine(dir, "tunables");
        File.WriteAllText(tunables, "ROUTE53_REQUESTS_PER_SECOND=5\n");
        try
        {
            foreach (int zones in new[] { 1, 10 })
            foreach (int count in new[] { 1, 10, 100, 1000 })
            {
                if (count < zones) continue;
                await using var server = await Route53CompatibleServer.StartAsync(new Route53ServerOptions { PropagationDelay = TimeSpan.Zero });
                server.Authenticator.AddKey("AKIDBENCH", "bench-secret");
                var credentials = new StaticCredentialSource(new AwsKeys("AKIDBENCH", "bench-secret"));
                Route53ClientFactory factory = (access, t, log) => new Route53Client(credentials, new Route53ClientOptions
                {
                    Endpoint = access.EndpointUrl!,
                    RequestsPerSecond = t.Int("ROUTE53_REQUESTS_PER_SECOND"),
                    Retry = new RetryPolicy { MaxAttempts = 8 },
                });
                var (manager, records) = Seed(server, Path.Combine(dir, $"s{zones}-{count}"), count, zones, factory, tunables);
                server.Faults.Update(f => f with { RequestsPerSecond = 5 });
                await Task.Delay(1100);

                var calls = new List<double>();
                var times = new List<double>();
                for (int round = 0; round < 3; round++)
                {
                    var watch = Stopwatch.StartNew();
                    var results = await manager.CheckAsync(null, recover: false, new OperationOptions(), CancellationToken.None);
                    times.Add(watch.Elapsed.TotalSeconds);
                    calls.Add(results[0].CycleApiCalls);
                    if (results.Any(r => r.Outcome != CheckOutcome.Healthy)) throw new InvalidOperationException("a check failed: " + results.First(r => r.Outcome != CheckOutcome.Healthy).Message);
                    await Task.Delay(1100);
                }

                string perCalls, perTime;
                double ratio;
                if (count <= 100)
                {
                    var perTimes = new List<double>();
                    for (int round = 0; round < 3; round++)
                    {
                        var client = factory(records[0].Access, TunableSet.Load(tunables), null);
                        var watch = Stopwatch.StartNew();
                        foreach (var settings in records) await Route53Kit.ReadAsync(client, settings, CancellationToken.None);
                        perTimes.Add(watch.Elapsed.TotalSeconds);
                        await Task.Delay(1100);
                    }
                    perCalls = count.ToString();
                    perTime = Distribution.Of(perTimes).Format();
                    ratio = count / calls.Average();
                }
                else
                {
                    perCalls = $"{count}";
                    perTime = $"≈ {count / 5.0:0} s at 5 requests/s (not run: {count} sequential calls)";
                    ratio = count / calls.Average();
                }
                sb.AppendLine($"| {count} | {zones} | {calls.Average():0} | {Distribution.Of(times).Format()} | {perCalls} | {perTime} | {Report.F(ratio, "0.#")}× |");
            }
        }
        finally { Directory.Delete(dir, true); }
        return sb.ToString();
    }
}
