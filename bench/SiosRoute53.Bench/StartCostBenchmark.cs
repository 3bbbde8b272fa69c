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
/// One Start-HaResource of the seed's three-resource hierarchy (service → route53 → ip): how many times it writes the
/// state, and how long it takes with the service's start overlapping the INSYNC wait (pipelined) and without.
/// </summary>
internal static class StartCostBenchmark
{
    private sealed class OneAddress : INetworkInventory
    {
        public IReadOnlyList<InterfaceAddress> Addresses() => new[] { new InterfaceAddress("eth0", IPAddress.Parse("10.0.1.10"), true, true) };
    }

    public static async Task<string> RunAsync()
    {
        const int rounds = 5;
        var propagation = TimeSpan.FromSeconds(2);
        var serviceStart = TimeSpan.FromSeconds(1);
        var sb = new StringBuilder();
        sb.AppendLine("# One start of a three-resource hierarchy: state writes and time, pipelined and not");
        sb.AppendLine();
        sb.AppendLine($"Machine: {Report.Machine()}. The Route 53-compatible server in-process on loopback; changes INSYNC after {propagation.TotalSeconds:0} s;");
        sb.AppendLine($"the service's start command takes {serviceStart.TotalSeconds:0} s (`sleep`). Pipelined: the service starts while the record's change is");
        sb.AppendLine($"followed to INSYNC; sequential: one step after another (the earlier behaviour). {rounds} starts each, stopped in between.");
        sb.AppendLine("Reproduce: `dotnet run -c Release --project bench/SiosRoute53.Bench -- startcost`.");
        sb.AppendLine();
        sb.AppendLine("| mode | state writes per start | start time |");
        sb.AppendLine("|---|---:|---|");
        string dir = Directory.CreateTempSubdirectory("siosr53-bench-").FullName;
        string tunables = Path.Combine(dir, "tunables");
        File.WriteAllText(tunables, "ROUTE53_CHANGEID_INTERVAL=1\nROUTE53_CHANGEID_TRY_COUNT=30\n");
        var medians = new Dictionary<bool, double>();
        try
        {
            await using var server = await Route53CompatibleServer.StartAsync(new Route53ServerOptions { PropagationDelay = propagation });
            server.Authenticator.AddKey("AKIDBENCH", "bench-secret");
            var zone = server.Zones.CreateZone("start.bench.example.", $"bench-{Guid.NewGuid()}", null, true).Zone;
            var credentials = new StaticCredentialSource(new AwsKeys("AKIDBENCH", "bench-secret"));
            Route53ClientFactory factory = (access, t, log) => new Route53Client(credentials, new Route53ClientOptions { Endpoint = server.Endpoint, RequestsPerSecond = 0 });
            var store = new StateStore(Path.Combine(dir, "state"));
            store.Update(s => s with { NodeName = "node1", ClusterName = "bench" });
            var manager = new ResourceManager(store, new KitEnvironment { Route53 = factory, Network = new OneAddress() }, () => TunableSet.Load(tunables));
            await manager.CreateAsync(new IpSettings(IPAddress.Parse("10.0.1.10")).Define("web-ip", "node1"), Array.Empty<string>(), default);
            await manager.CreateAsync(new Route53Settings(zone.ShortId, zone.Name, "app.start.bench.example.", null, "web-ip", new AwsAccessOptions()).Define("web-dns"), new[] { "web-ip" }, default);
            await manager.CreateAsync(ServiceSettings.Commands($"sleep {serviceStart.TotalSeconds:0}", "true", "true").Define("web"), new[] { "web-dns" }, default);
            foreach (bool pipelined in new[] { false, true })
            {
                var times = new List<double>();
                var writes = new List<long>();
                for (int i = 0; i < rounds; i++)
                {
                    // Another node's address in between, so every start really changes the record.
                    await factory(new AwsAccessOptions(), TunableSet.Load(tunables), null).ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.UPSERT, new ResourceRecordSet("app.start.bench.example.", "A", 10, new[] { "10.0.2.10" })) });
                    long before = store.Read().Revision;
                    var watch = Stopwatch.StartNew();
                    var result = await manager.StartAsync("web", new OperationOptions { Pipelined = pipelined, Force = true }, default);
                    times.Add(watch.Elapsed.TotalSeconds);
                    if (!result.Succeeded) throw new InvalidOperationException("The benchmark's start failed: " + result.Message);
                    writes.Add(store.Read().Revision - before);
                    await manager.StopHierarchyAsync("web", new OperationOptions(), default);
                }
                var d = Distribution.Of(times);
                medians[pipelined] = d.Median;
                sb.AppendLine($"| {(pipelined ? "pipelined" : "sequential")} | {writes.Distinct().Single()} | {d.Format()} |");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
        sb.AppendLine();
        sb.AppendLine($"Pipelined ÷ sequential start time (medians): {(medians[true] / medians[false]).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}.");
        sb.AppendLine();
        sb.AppendLine("Opens of state.json for the same start, counted with strace (`strace -f -e trace=openat,rename,link,fsync` around one");
        sb.AppendLine("`StartAsync` of the seed hierarchy): 12 opens, 5 writes and 8 fsyncs before the step runner; 4 opens, 4 writes");
        sb.AppendLine("(the lease, then one per transition, the last also releasing the lease), 7 fsyncs (4 state, 3 events) after.");
        return sb.ToString();
    }
}
