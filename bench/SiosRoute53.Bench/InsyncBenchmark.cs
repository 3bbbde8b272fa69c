using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SiosRoute53.Aws;
using SiosRoute53.Route53;
using SiosRoute53.Route53Server;

namespace SiosRoute53.Bench;

/// <summary>
/// INSYNC detection lag and GetChange calls per change: the node-wide follower (GetChange alone, and with DNS hints)
/// against the seed's fixed ROUTE53_CHANGEID_INTERVAL polling and the growing-polls schedule it replaces, for
/// propagation times drawn from 1–60 s and 1–100 s, with 1 and with 10 changes pending at once. The follower runs on a
/// simulated clock against simulated changes behind Route 53's 5 requests/s account limit (so the numbers are the
/// algorithm's, not this machine's noise); then real runs against the Route 53-compatible server check it.
/// </summary>
internal static class InsyncBenchmark
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);
    private const int Tries = 5;

    /// <summary>Route 53's account: 5 requests in any second, every GetChange counted, throttled ones too.</summary>
    private sealed class SimulatedAccount(FakeTimeProvider time)
    {
        private readonly Queue<DateTimeOffset> _window = new();
        public int Requests, Throttled;

        /// <summary>Requests waiting for their budget slot (on the simulated clock).</summary>
        public int Waiting;

        public bool Admit()
        {
            lock (_window)
            {
                var now = time.GetUtcNow();
                while (_window.Count > 0 && now - _window.Peek() >= TimeSpan.FromSeconds(1)) _window.Dequeue();
                Requests++;
                if (_window.Count >= 5) { Throttled++; return false; }
                _window.Enqueue(now);
                return true;
            }
        }
    }

    /// <summary>A change that turns INSYNC at a given time, asked through the node's budget as Route53Client asks.</summary>
    private sealed class SimulatedChange(FakeTimeProvider time, SimulatedAccount account, RequestBudget budget, DateTimeOffset insyncAt) : IRoute53Client
    {
        public int Polls;
        public long CallCount => Polls;

        public async Task<ChangeInfo> GetChangeAsync(string changeId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref account.Waiting);
            try { await budget.AcquireAsync(cancellationToken); }
            finally { Interlocked.Decrement(ref account.Waiting); }
            Interlocked.Increment(ref Polls);
            if (!account.Admit())
            {
                budget.NoteThrottled();
                throw new ThrottlingException("GetChange", "Throttling", "Rate exceeded", null, HttpStatusCode.BadRequest);
            }
            return new ChangeInfo(changeId, time.GetUtcNow() >= insyncAt ? ChangeStatus.INSYNC : ChangeStatus.PENDING, insyncAt, null);
        }

        public Task<HostedZonePage> ListHostedZonesAsync(string? marker = null, int? maxItems = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<HostedZonesByNamePage> ListHostedZonesByNameAsync(string? dnsName = null, string? hostedZoneId = null, int? maxItems = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<HostedZone> GetHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<RecordSetPage> ListResourceRecordSetsAsync(string hostedZoneId, string? startRecordName = null, string? startRecordType = null, string? startRecordIdentifier = null, int? maxItems = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<ChangeInfo> ChangeResourceRecordSetsAsync(string hostedZoneId, IReadOnlyList<Change> changes, string? comment = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<(HostedZone Zone, ChangeInfo Change)> CreateHostedZoneAsync(string name, string callerReference, string? comment = null, bool privateZone = false, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<ChangeInfo> DeleteHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    /// <summary>The zone's name servers, which answer the new value once the change is INSYNC (as the server's DNS frontend does).</summary>
    private sealed class SimulatedHint(FakeTimeProvider time, DateTimeOffset insyncAt) : IInsyncHint
    {
        public string Description => "simulated name servers";
        public Task<bool?> ShowsNewValueAsync(CancellationToken cancellationToken) => Task.FromResult<bool?>(time.GetUtcNow() >= insyncAt);
    }

    private sealed record Outcome(double? Lag, int Polls);

    private sealed record Summary(List<double> Lags, int Timeouts, int Polls, int Changes, int Throttled)
    {
        public double PollsPerChange => Polls / (double)Changes;
    }

    /// <summary>The follower on a simulated clock: a batch of changes accepted together, each with its own propagation time.</summary>
    private static async Task<(List<Outcome> Outcomes, int Throttled)> FollowerAsync(IReadOnlyList<TimeSpan> propagations, bool hints)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var account = new SimulatedAccount(time);
        var budget = new RequestBudget(5, file: null, time);
        var follower = new ChangeFollower(time);
        var start = time.GetUtcNow();
        var changes = propagations.Select(p => new SimulatedChange(time, account, budget, start + p)).ToList();
        var follows = changes.Select((c, i) => follower.FollowAsync(new FollowRequest
        {
            Client = c,
            ChangeId = "C" + i,
            Interval = Interval,
            TryCount = Tries,
            RequestsPerSecond = 5,
            Hint = hints ? new SimulatedHint(time, start + propagations[i]) : null,
        }, CancellationToken.None)).ToList();
        var all = Task.WhenAll(follows);
        while (!all.IsCompleted)
        {
            // Move the clock only once the follower waits for it, so a busy machine cannot make simulated time run ahead.
            var settle = DateTime.UtcNow.AddSeconds(10);
            while (!follower.IsIdle && Volatile.Read(ref account.Waiting) == 0 && !all.IsCompleted && DateTime.UtcNow < settle) await Task.Yield();
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
        var results = await all;
        return (results.Select((r, i) => new Outcome(r.InSync ? (r.Elapsed - propagations[i]).TotalSeconds : null, r.Polls)).ToList(), account.Throttled);
    }

    /// <summary>The schedule this follower replaces: growing polls 0.5, 1, 2, 4 s … then every multiple of the interval.</summary>
    private static IEnumerable<TimeSpan> GrowingSchedule()
    {
        var budget = Interval * Tries;
        var total = TimeSpan.Zero;
        for (var pause = TimeSpan.FromMilliseconds(500); total + pause < Interval; pause *= 2)
        {
            total += pause;
            yield return total;
        }
        while (total < budget)
        {
            var next = Interval - TimeSpan.FromTicks(total.Ticks % Interval.Ticks);
            if (total + next > budget) next = budget - total;
            total += next;
            yield return total;
        }
    }

    /// <summary>A poll-time policy against one change: the first poll at or after INSYNC.</summary>
    private static Outcome FixedTimes(IEnumerable<TimeSpan> pollTimes, TimeSpan propagation)
    {
        int polls = 0;
        foreach (var t in pollTimes)
        {
            polls++;
            if (t >= propagation) return new Outcome((t - propagation).TotalSeconds, polls);
        }
        return new Outcome(null, polls);
    }

    /// <summary>The seed: look at once, and while PENDING sleep the interval, up to the try count.</summary>
    private static IEnumerable<TimeSpan> SeedSchedule() => Enumerable.Range(0, Tries).Select(i => Interval * i);

    private static Summary Summarize(IEnumerable<Outcome> outcomes, int throttled)
    {
        var list = outcomes.ToList();
        return new Summary(list.Where(o => o.Lag is not null).Select(o => o.Lag!.Value).ToList(), list.Count(o => o.Lag is null), list.Sum(o => o.Polls), list.Count, throttled);
    }

    private static double Quantile(List<double> values, double q)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Row(string policy, Summary s, bool simulatedAccount) =>
        $"| {policy} | {Report.F(Quantile(s.Lags, 0.5))} | {Report.F(Quantile(s.Lags, 0.9))} | {Report.F(Quantile(s.Lags, 0.99))} | {Report.F(s.Lags.DefaultIfEmpty(double.NaN).Max())} | {s.Timeouts} | {Report.F(s.PollsPerChange, "0.0")} | {(simulatedAccount ? s.Throttled.ToString() : "–")} |";

    public static async Task<string> RunAsync()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# INSYNC: detection lag and GetChange calls per change");
        sb.AppendLine();
        sb.AppendLine($"Machine: {Report.Machine()}. Settings: the defaults, ROUTE53_CHANGEID_INTERVAL=20, ROUTE53_CHANGEID_TRY_COUNT=5 (a 100 s budget for every policy),");
        sb.AppendLine("ROUTE53_REQUESTS_PER_SECOND=5 (the follower paces its GetChange calls to 60 % of it, 3/s, and to 0.6/s while the node calms down after a Throttling answer).");
        sb.AppendLine("Reproduce: `dotnet pwsh ./build.ps1 -Task Bench` (or `dotnet run -c Release --project bench/SiosRoute53.Bench -- insync`).");
        sb.AppendLine();
        sb.AppendLine("Lag = time from the change turning INSYNC to the engine knowing it. Policies:");
        sb.AppendLine("- **seed**: LifeKeeper's fixed polling, a look at once and then every 20 s, 5 looks;");
        sb.AppendLine("- **growing polls**: the schedule this replaces (0.5, 1, 2, 4, 8 s … then every multiple of 20 s);");
        sb.AppendLine("- **follower**: the node-wide follower by GetChange alone (about one a second per change, fewer when many share the budget);");
        sb.AppendLine("- **follower + DNS hints**: the same, asking the zone's name servers every 0.25 s (no API budget) and GetChange the moment");
        sb.AppendLine("  they answer the new value, with a GetChange every 5 s as a safety net (ROUTE53_DNS_HINT_SERVERS).");
        sb.AppendLine();
        sb.AppendLine("The follower runs on a simulated clock (10 ms steps, each taken once the follower waits for the clock) against simulated");
        sb.AppendLine("changes behind a simulated account (the node's RequestBudget in front of it, as in Route53Client) that throttles");
        sb.AppendLine("a sixth request in any second; \"throttled\" counts those. The seed and growing-polls rows are computed from their");
        sb.AppendLine("poll times (they poll one change at a time and do not share a budget: with 10 changes pending they make 10× the calls).");

        var random = new Random(5353);
        foreach (int maxSeconds in new[] { 60, 100 })
        foreach (int pending in new[] { 1, 10 })
        {
            const int changes = 200;
            var propagations = Enumerable.Range(0, changes).Select(_ => TimeSpan.FromSeconds(1 + random.NextDouble() * (maxSeconds - 1))).ToList();
            var seed = Summarize(propagations.Select(p => FixedTimes(SeedSchedule(), p)), 0);
            var growing = Summarize(propagations.Select(p => FixedTimes(GrowingSchedule(), p)), 0);
            var plain = new List<Outcome>();
            var hinted = new List<Outcome>();
            int plainThrottled = 0, hintedThrottled = 0;
            for (int i = 0; i < changes; i += pending)
            {
                var batch = propagations.Skip(i).Take(pending).ToList();
                var (p, pt) = await FollowerAsync(batch, hints: false);
                var (h, ht) = await FollowerAsync(batch, hints: true);
                plain.AddRange(p);
                hinted.AddRange(h);
                plainThrottled += pt;
                hintedThrottled += ht;
            }
            sb.AppendLine();
            sb.AppendLine($"## Propagation uniform 1–{maxSeconds} s, {pending} change(s) pending at once ({changes} changes)");
            sb.AppendLine();
            sb.AppendLine("| policy | median lag (s) | p90 (s) | p99 (s) | max (s) | not seen within the budget | GetChange calls per change | throttled requests |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            sb.AppendLine(Row("seed, fixed 20 s", seed, false));
            sb.AppendLine(Row("growing polls (replaced)", growing, false));
            sb.AppendLine(Row("follower, GetChange alone", Summarize(plain, plainThrottled), true));
            sb.AppendLine(Row("follower + DNS hints", Summarize(hinted, hintedThrottled), true));
        }

        sb.AppendLine();
        sb.AppendLine("## Every propagation time from 1 to 100 s, one change pending (simulated, 50 changes per row, sub-second offsets uniform)");
        sb.AppendLine();
        sb.AppendLine("| propagation (s) | follower median / p99 lag (s) | follower + DNS hints median / p99 (s) | seed lag (s) | growing polls lag (s) |");
        sb.AppendLine("|---:|---|---|---:|---:|");
        foreach (double whole in new double[] { 1, 2, 5, 10, 15, 20, 30, 45, 60, 75, 90, 99 })
        {
            var plainLags = new List<double>();
            var hintLags = new List<double>();
            for (int i = 0; i < 50; i++)
            {
                var p = TimeSpan.FromSeconds(whole + random.NextDouble());
                if ((await FollowerAsync(new[] { p }, false)).Outcomes[0].Lag is { } a) plainLags.Add(a);
                if ((await FollowerAsync(new[] { p }, true)).Outcomes[0].Lag is { } b) hintLags.Add(b);
            }
            var seed = FixedTimes(SeedSchedule(), TimeSpan.FromSeconds(whole));
            var growing = FixedTimes(GrowingSchedule(), TimeSpan.FromSeconds(whole));
            sb.AppendLine($"| {whole:0} | {Report.F(Quantile(plainLags, 0.5))} / {Report.F(Quantile(plainLags, 0.99))}{(plainLags.Count < 50 ? $" ({50 - plainLags.Count} not seen)" : "")} | " +
                $"{Report.F(Quantile(hintLags, 0.5))} / {Report.F(Quantile(hintLags, 0.99))} | {(seed.Lag is { } s ? Report.F(s) : "not seen")} | {(growing.Lag is { } g ? Report.F(g) : "not seen")} |");
        }

        sb.Append(await RealServerAsync());
        return sb.ToString();
    }

    /// <summary>10 changes at once against the Route 53-compatible server (HTTP, SigV4, its 5 requests/s limit), in real time.</summary>
    private static async Task<string> RealServerAsync()
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("## Against the Route 53-compatible server, in real time");
        sb.AppendLine();
        sb.AppendLine("10 changes accepted at once (one per zone), propagation 3 s, the server throttling above 5 requests/s, the client's node budget at 5/s;");
        sb.AppendLine("DNS hints ask the server's DNS frontend, which answers a change's records once it is INSYNC. Throttled = answers the server gave as Throttling while the changes were followed (and, apart, while the 10 changes were made at the full 5/s).");
        sb.AppendLine();
        sb.AppendLine("| policy | lag | GetChange calls per change | throttled requests |");
        sb.AppendLine("|---|---|---:|---:|");
        foreach (bool hints in new[] { false, true })
        {
            string runDir = Directory.CreateTempSubdirectory("siosr53-insync-").FullName;
            Environment.SetEnvironmentVariable("SIOSR53_RUN_DIR", runDir);
            try
            {
                var dns = new IPEndPoint(IPAddress.Loopback, FreeUdpPort());
                await using var server = await Route53CompatibleServer.StartAsync(new Route53ServerOptions { PropagationDelay = TimeSpan.FromSeconds(3), DnsEndpoint = dns });
                server.Authenticator.AddKey("AKIDBENCH", "bench-secret");
                var zones = Enumerable.Range(0, 10).Select(i => server.Zones.CreateZone($"z{i}.insync.example.", $"insync-{i}-{Guid.NewGuid()}", null, true).Zone).ToList();
                server.Faults.Update(f => f with { RequestsPerSecond = 5 });
                var handler = new CountingHandler();
                using var client = new Route53Client(new StaticCredentialSource(new AwsKeys("AKIDBENCH", "bench-secret")),
                    new Route53ClientOptions { Endpoint = server.Endpoint, RequestsPerSecond = 5 }, handler);
                var follower = new ChangeFollower();
                var changes = new List<ChangeInfo>();
                foreach (var zone in zones)
                    changes.Add(await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.UPSERT, new ResourceRecordSet($"app.{zone.Name}", "A", 10, new[] { "10.0.1.10" })) }));
                long getChangeBefore = server.CallsByOperation.GetValueOrDefault("GetChange");
                int throttledBefore = handler.Throttled;
                var results = await Task.WhenAll(changes.Select((c, i) => follower.FollowAsync(new FollowRequest
                {
                    Client = client,
                    ChangeId = c.Id,
                    Interval = Interval,
                    TryCount = Tries,
                    Hint = hints ? new DnsAnswerHint(new[] { dns }, $"app.{zones[i].Name}", IPAddress.Parse("10.0.1.10")) : null,
                }, CancellationToken.None).ContinueWith(t => (Result: t.Result, Seen: DateTimeOffset.UtcNow))));
                var lags = results.Select((r, i) => (r.Seen - (changes[i].SubmittedAt + TimeSpan.FromSeconds(3))).TotalSeconds).ToList();
                long polls = server.CallsByOperation.GetValueOrDefault("GetChange") - getChangeBefore;
                sb.AppendLine($"| {(hints ? "follower + DNS hints" : "follower, GetChange alone")} | {Distribution.Of(lags).Format()}{(results.All(r => r.Result.InSync) ? "" : "; some not seen")} | {Report.F(polls / 10.0, "0.0")} | {handler.Throttled - throttledBefore} (while the changes were made: {throttledBefore}) |");
            }
            finally
            {
                Environment.SetEnvironmentVariable("SIOSR53_RUN_DIR", null);
                Directory.Delete(runDir, true);
            }
        }
        return sb.ToString();
    }

    private static int FreeUdpPort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Counts what went out and what came back Throttling.</summary>
    internal sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public int Sent, Throttled;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Sent);
            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.BadRequest && (await response.Content.ReadAsStringAsync(cancellationToken)).Contains("<Code>Throttling</Code>"))
                Interlocked.Increment(ref Throttled);
            return response;
        }
    }
}
