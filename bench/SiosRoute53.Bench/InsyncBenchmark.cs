using System.Text;
using Microsoft.Extensions.Time.Testing;
using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Route53;
using SiosRoute53.Route53Server;

namespace SiosRoute53.Bench;

/// <summary>
/// 1. INSYNC detection lag: how long after Route 53 turns a change INSYNC the engine knows it, with our growing
/// polls against the seed's fixed ROUTE53_CHANGEID_INTERVAL polling, over a range of propagation times. The engine's
/// waiter runs on a simulated clock against a change that turns INSYNC after exactly P seconds (so the numbers are
/// the algorithm's, not this machine's noise), then a few real runs against the Route 53-compatible server check it.
/// </summary>
internal static class InsyncBenchmark
{
    private sealed class SimulatedChange(FakeTimeProvider time, DateTimeOffset submitted, TimeSpan propagation) : IRoute53Client
    {
        public long Polls;
        public long CallCount => Polls;

        public Task<ChangeInfo> GetChangeAsync(string changeId, CancellationToken cancellationToken = default)
        {
            Polls++;
            var status = time.GetUtcNow() - submitted >= propagation ? ChangeStatus.INSYNC : ChangeStatus.PENDING;
            return Task.FromResult(new ChangeInfo(changeId, status, submitted, null));
        }

        public Task<HostedZonePage> ListHostedZonesAsync(string? marker = null, int? maxItems = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<HostedZonesByNamePage> ListHostedZonesByNameAsync(string? dnsName = null, string? hostedZoneId = null, int? maxItems = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<HostedZone> GetHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<RecordSetPage> ListResourceRecordSetsAsync(string hostedZoneId, string? startRecordName = null, string? startRecordType = null, string? startRecordIdentifier = null, int? maxItems = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<ChangeInfo> ChangeResourceRecordSetsAsync(string hostedZoneId, IReadOnlyList<Change> changes, string? comment = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<(HostedZone Zone, ChangeInfo Change)> CreateHostedZoneAsync(string name, string callerReference, string? comment = null, bool privateZone = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<ChangeInfo> DeleteHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    /// <summary>Our waiter on a simulated clock: (detection lag, polls), or null when the budget ran out.</summary>
    private static async Task<(double Lag, long Polls)?> OursAsync(TimeSpan propagation, TimeSpan cap, int tries)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var client = new SimulatedChange(time, start, propagation);
        var wait = InsyncWaiter.WaitAsync(client, "C1", cap, tries, time, null, CancellationToken.None);
        while (!wait.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Yield();
        }
        var result = await wait;
        return result.InSync ? ((time.GetUtcNow() - start - propagation).TotalSeconds, client.Polls) : null;
    }

    /// <summary>The seed's way: look, and while PENDING sleep the interval, up to the try count.</summary>
    private static (double Lag, long Polls)? Seed(TimeSpan propagation, TimeSpan interval, int tries)
    {
        for (int i = 0; i < tries; i++)
        {
            var t = interval * i;
            if (t >= propagation) return ((t - propagation).TotalSeconds, i + 1);
        }
        return null;
    }

    public static async Task<string> RunAsync()
    {
        var cap = TimeSpan.FromSeconds(20);
        const int tries = 5;
        var sb = new StringBuilder();
        sb.AppendLine("# INSYNC detection lag: growing polls vs the seed's fixed 20 s polling");
        sb.AppendLine();
        sb.AppendLine($"Machine: {Report.Machine()}. Settings: the defaults, ROUTE53_CHANGEID_INTERVAL=20, ROUTE53_CHANGEID_TRY_COUNT=5 (a 100 s budget for both).");
        sb.AppendLine("Reproduce: `dotnet pwsh ./build.ps1 -Task Bench` (or `dotnet run -c Release --project bench/SiosRoute53.Bench -- insync`).");
        sb.AppendLine();
        sb.AppendLine("Lag = time from the change turning INSYNC to the engine knowing it. The waiters run on a simulated clock, so the");
        sb.AppendLine("numbers are the algorithms' own; the last table checks them against the Route 53-compatible server in real time.");
        sb.AppendLine();
        sb.AppendLine("| propagation (s) | our lag (s) | seed lag (s) | seed/our lag | our polls | seed polls |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (double p in new[] { 0.2, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90 })
        {
            var ours = await OursAsync(TimeSpan.FromSeconds(p), cap, tries);
            var seed = Seed(TimeSpan.FromSeconds(p), cap, tries);
            string ratio = ours is { Lag: > 0 } o && seed is { } s ? Report.F(s.Lag / o.Lag, "0.0") + "×" : "–";
            sb.AppendLine($"| {Report.F(p, "0.#")} | {(ours is null ? "timeout" : Report.F(ours.Value.Lag))} | {(seed is null ? "timeout" : Report.F(seed.Value.Lag))} | {ratio} | {ours?.Polls.ToString() ?? "–"} | {seed?.Polls.ToString() ?? "–"} |");
        }

        var random = new Random(5353);
        var samples = Enumerable.Range(0, 300).Select(_ => TimeSpan.FromSeconds(1 + random.NextDouble() * 59)).ToList();
        var ourLags = new List<double>();
        var seedLags = new List<double>();
        long ourPolls = 0, seedPolls = 0;
        foreach (var p in samples)
        {
            var ours = await OursAsync(p, cap, tries);
            var seed = Seed(p, cap, tries);
            if (ours is { } o) { ourLags.Add(o.Lag); ourPolls += o.Polls; }
            if (seed is { } s) { seedLags.Add(s.Lag); seedPolls += s.Polls; }
        }
        var od = Distribution.Of(ourLags);
        var sd = Distribution.Of(seedLags);
        sb.AppendLine();
        sb.AppendLine("Propagation times drawn uniformly from 1–60 s (300 changes):");
        sb.AppendLine();
        sb.AppendLine($"- ours: {od.Format()}; {Report.F(ourPolls / (double)samples.Count, "0.0")} GetChange calls per change");
        sb.AppendLine($"- seed: {sd.Format()}; {Report.F(seedPolls / (double)samples.Count, "0.0")} GetChange calls per change");
        sb.AppendLine($"- mean lag ratio seed/ours: {Report.F(sd.Mean / od.Mean, "0.0")}×; extra API calls ours/seed: {Report.F(ourPolls / (double)seedPolls, "0.00")}×");

        sb.AppendLine();
        sb.AppendLine("Against the Route 53-compatible server in real time (HTTP, SigV4; 3 changes per propagation time):");
        sb.AppendLine();
        sb.AppendLine("| propagation (s) | measured lag (s) |");
        sb.AppendLine("|---:|---|");
        await using var server = await Route53CompatibleServer.StartAsync(new Route53ServerOptions());
        server.Authenticator.AddKey("AKIDBENCH", "bench-secret");
        var (zone, _) = server.Zones.CreateZone("bench.example.", "bench", null, true);
        using var client = new Route53Client(new StaticCredentialSource(new AwsKeys("AKIDBENCH", "bench-secret")),
            new Route53ClientOptions { Endpoint = server.Endpoint, RequestsPerSecond = 0 });
        foreach (double p in new[] { 1.0, 2, 5 })
        {
            server.Zones.PropagationDelay = TimeSpan.FromSeconds(p);
            var lags = new List<double>();
            for (int i = 0; i < 3; i++)
            {
                var change = await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.UPSERT, new ResourceRecordSet($"r{i}.bench.example.", "A", 10, new[] { "10.0.0.1" })) });
                var result = await InsyncWaiter.WaitAsync(client, change.Id, cap, tries, TimeProvider.System, null, CancellationToken.None);
                lags.Add((DateTimeOffset.UtcNow - (change.SubmittedAt + TimeSpan.FromSeconds(p))).TotalSeconds);
                _ = result;
            }
            sb.AppendLine($"| {Report.F(p, "0")} | {Distribution.Of(lags).Format()} |");
        }
        return sb.ToString();
    }
}
