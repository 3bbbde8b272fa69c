using System.Net;
using SiosRoute53.Model;
using SiosRoute53.Route53;

namespace SiosRoute53.Kits;

/// <summary>
/// The route53 resource: an A record that holds the address of this node's ip resource while the hierarchy is in
/// service here. Changes are compare-and-swap batches (DELETE the value seen + CREATE ours, with the ownership TXT
/// record in the same batch), so two nodes racing cannot both win; the loser stands down. A Route 53 failure during
/// a check is "unknown", never a failure: an API outage must not cause a failover.
/// </summary>
public sealed class Route53Kit : IResourceKit, IBatchCheckKit, IPublishingKit
{
    public ResourceKind Kind => ResourceKind.Route53;

    public string Description => "A Route 53 A record that holds the address of the node where its hierarchy is in service.";

    public string Summary(ResourceDefinition resource, string node) =>
        $"{resource.Setting(node, SettingKeys.RecordName)} A in {resource.Setting(node, SettingKeys.ZoneName)} ({resource.Setting(node, SettingKeys.HostedZoneId)})";

    /// <summary>The ip resource the record takes its address from.</summary>
    public IReadOnlyList<string> RequiredChildren(ResourceDefinition resource, string node) =>
        resource.Setting(node, SettingKeys.IpResource) is { } ip ? new[] { ip } : Array.Empty<string>();

    public Task ValidateAsync(KitContext context, CancellationToken cancellationToken)
    {
        var s = Route53Settings.For(context.Resource, context.NodeName);
        if (DnsNames.Validate(s.RecordName) is { } why)
            throw new HaArgumentException($"Record name '{s.RecordName}' is not a valid DNS name: {why}.", s.RecordName);
        if (!DnsNames.IsInZone(s.RecordName, s.ZoneName) || DnsNames.Equal(s.RecordName, s.ZoneName))
            throw new HaArgumentException($"Record name '{DnsNames.Normalize(s.RecordName)}' is not inside hosted zone '{s.ZoneName}' ({s.HostedZoneId}). Give a name below the zone, e.g. app.{s.ZoneName}", s.RecordName);
        if (s.Ttl is < 0 or > 86400)
            throw new HaArgumentException($"TTL {s.Ttl} is out of range; give 0–86400 seconds (ROUTE53_TTL's default is 10).", s.Ttl?.ToString());
        if (!context.Children.TryGetValue(s.IpResource, out var ip) || context.Kits.For(ip.Kind) is not IAddressSource)
            throw new HaArgumentException($"route53 resource '{context.Tag}' needs ip resource '{s.IpResource}' as its child; create it with New-HaIpResource first.", s.IpResource);
        return Task.CompletedTask;
    }

    private static IPAddress AddressOf(KitContext context, Route53Settings s) => context.AddressOfChild(s.IpResource);

    private static long TtlOf(KitContext context, Route53Settings s) => s.Ttl ?? (long)context.Tunables.Typed.Route53Ttl.TotalSeconds;

    /// <summary>The A record set and the ownership mark's TXT set, in one listing call when they sit together.</summary>
    internal static async Task<(ResourceRecordSet? A, ResourceRecordSet? Mark)> ReadAsync(IRoute53Client client, Route53Settings s, CancellationToken cancellationToken)
    {
        string name = DnsNames.Normalize(s.RecordName);
        string markName = OwnershipMark.NameFor(name);
        var page = await client.ListResourceRecordSetsAsync(s.HostedZoneId, name, "A", null, 20, cancellationToken).ConfigureAwait(false);
        var a = page.RecordSets.FirstOrDefault(r => DnsNames.Equal(r.Name, name) && r.Type == "A" && r.SetIdentifier is null);
        var mark = page.RecordSets.FirstOrDefault(r => DnsNames.Equal(r.Name, markName) && r.Type == "TXT");
        bool markMayFollow = page.IsTruncated && page.NextRecordName is not null && DnsNames.CompareForListing(page.NextRecordName, markName) <= 0;
        if (mark is null && markMayFollow)
            mark = (await client.GetRecordSetsAsync(s.HostedZoneId, markName, "TXT", cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        return (a, mark);
    }

    private static bool Holds(ResourceRecordSet? a, IPAddress address) =>
        a is not null && a.Values.Count == 1 && IPAddress.TryParse(a.Values[0], out var v) && v.Equals(address);

    private static string Describe(ResourceRecordSet? a) =>
        a is null ? "no A record" : a.AliasTarget is { } alias ? alias.ToString() : $"{string.Join(", ", a.Values)} (TTL {a.Ttl})";

    public Task<KitResult> RestoreAsync(KitContext context, CancellationToken cancellationToken) =>
        PointAtThisNodeAsync(context, recovering: false, cancellationToken);

    public Task<KitResult> RecoverAsync(KitContext context, CancellationToken cancellationToken) =>
        PointAtThisNodeAsync(context, recovering: true, cancellationToken);

    private async Task<KitResult> PointAtThisNodeAsync(KitContext context, bool recovering, CancellationToken cancellationToken)
    {
        var s = Route53Settings.For(context.Resource, context.NodeName);
        var address = AddressOf(context, s);
        string name = DnsNames.Normalize(s.RecordName);
        var mine = new OwnershipMark(context.ClusterName, context.Tag, context.NodeName);
        // The client is the one place that retries a call (pauses up to ROUTE53_RECORD_INTERVAL); ROUTE53_RECORD_TRY_COUNT
        // counts compare-and-swap rounds, each a fresh read and a new batch.
        var tunables = context.Tunables.Typed;
        var client = context.Environment.Route53(s.Access with { MaxRetryDelay = tunables.RecordInterval }, context.Tunables, context.Log);
        int tries = tunables.RecordTryCount;
        var hint = DnsAnswerHint.From(tunables.DnsHintServers, name, address); // a bad value fails before any change
        var time = context.Environment.Time;
        long ttl = TtlOf(context, s);
        ChangeInfo? change = null;
        string? action = null;
        string activity = $"{(recovering ? "Recovering" : "Restoring")} '{context.Tag}': {name} → {address}";
        void Phase(string phase, string? leftBehind = null, TimeSpan? elapsed = null, TimeSpan? budget = null) =>
            context.Progress?.Report(new OperationProgress(context.Tag, activity, phase,
                elapsed is { } e && budget is { } b && b > TimeSpan.Zero ? (int)Math.Min(99, 100 * e / b) : 0, budget - elapsed)
            { Elapsed = elapsed ?? TimeSpan.Zero, Budget = budget, LeftBehind = leftBehind });

        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Phase($"reading the record (round {attempt} of {tries})");
                var (a, markSet) = await ReadAsync(client, s, cancellationToken);
                var mark = OwnershipMark.Parse(markSet);
                context.Log($"{context.Tag}: {name} holds {Describe(a)}; owner mark: {(mark is null ? "none" : $"cluster {mark.Cluster}, node {mark.Node}")}.");
                var tracked = OwnershipMark.CurrentClaim;
                long? claim = tracked?.Generation;
                // A TTL changed with Set-HaResource (or ROUTE53_TTL) is written with the record at its next restore.
                bool ttlDiffers = a is not null && a.AliasTarget is null && a.Ttl != ttl;
                // Already ours: nothing to change, unless the agent claims a newer generation than the mark holds (the
                // mark must carry the newest claim, or a stale claim between the two could still win).
                if (Holds(a, address) && mark == mine && !ttlDiffers && (claim is null || mark!.Generation >= claim))
                {
                    tracked?.Wrote(mark!.Generation);
                    return new KitResult($"{name} already holds {address} and is owned by this node; nothing to change.", (int)client.CallCount);
                }

                bool ours = mark is not null && mark.Cluster == context.ClusterName;
                // Rule 4, strict: a claim not newer than another node's mark (this node was paused or cut off while that
                // node took over, or both claimed the same generation and that node wrote first) changes nothing and stands down.
                if (ours && mark!.Node != context.NodeName && claim is { } claimed && mark.Generation >= claimed)
                {
                    tracked!.Refused(mark.Node, mark.Generation);
                    throw new OwnershipLostException(
                        $"{name} is owned by node '{mark.Node}' with ownership generation {mark.Generation}, not older than this node's claim ({claimed}); " +
                        "nothing was changed and this node stands down.") { ApiCalls = (int)client.CallCount };
                }
                if (recovering && ours && mark!.Node != context.NodeName && !Holds(a, address))
                    throw new OwnershipLostException(
                        $"{name} now holds {Describe(a)} and belongs to node '{mark.Node}' of this cluster: that node took the hierarchy over. " +
                        "Not recovering the record here; this node stands down.") { ApiCalls = (int)client.CallCount };
                bool foreign = mark is not null && !ours;
                if (foreign && !context.Force)
                    throw new ResourceActionException(
                        $"{name} is owned by another cluster ('{mark!.Cluster}', node '{mark.Node}'); nothing was changed. " +
                        "If this cluster is to take it over, start the resource with Start-HaResource -Adopt.");
                if (a is not null && !Holds(a, address) && mark is null && !recovering && !context.Force)
                    throw new ResourceActionException(
                        $"{name} holds {Describe(a)} and no SiosRoute53 cluster owns it; nothing was changed. " +
                        "Start it with Start-HaResource -Adopt to take the record over, or delete it first.");

                var changes = new List<Change>();
                if (a is null) changes.Add(new Change(ChangeAction.CREATE, new ResourceRecordSet(name, "A", ttl, new[] { address.ToString() })));
                else if (!Holds(a, address) || ttlDiffers)
                {
                    changes.Add(new Change(ChangeAction.DELETE, a));
                    changes.Add(new Change(ChangeAction.CREATE, new ResourceRecordSet(name, "A", ttl, new[] { address.ToString() })));
                }
                if (markSet is not null) changes.Add(new Change(ChangeAction.DELETE, markSet));
                // The generation only grows: an agent's claim (never below this node's own mark); else, for an operator's
                // start, the mark's own when it already names this node (no new owner) or the next after another node's.
                long generation = claim is { } agent ? Math.Max(agent, ours ? mark!.Generation : 0)
                    : !ours ? 1 : mark!.Node == context.NodeName ? Math.Max(1, mark.Generation) : mark.Generation + 1;
                changes.Add(new Change(ChangeAction.CREATE, (mine with { Generation = generation }).ToRecordSet(name, ttl)));
                action = a is null ? $"created {name} → {address}" : Holds(a, address) && ttlDiffers ? $"rewrote {name} → {address} with TTL {ttl} (was {a.Ttl})"
                    : Holds(a, address) ? $"marked {name} as owned by {context.NodeName}" : $"swapped {name} from {(a.AliasTarget is { } alias ? alias.ToString() : string.Join(", ", a.Values))} to {address}";
                context.Log($"{context.Tag}: submitting one change batch: {string.Join("; ", changes.Select(c => $"{c.Action} {c.RecordSet}"))}");
                Phase("submitting the compare-and-swap change",
                    $"The change of {name} to {address} was being submitted: Route 53 may have accepted it, and then it still moves the record to this node.");
                change = await client.ChangeResourceRecordSetsAsync(s.HostedZoneId, changes,
                    $"SiosRoute53 {context.ClusterName}/{context.Tag}: {(recovering ? "recover" : "restore")} on {context.NodeName}", cancellationToken);
                tracked?.Wrote(generation);
                break;
            }
            catch (InvalidChangeBatchException e)
            {
                // Our compare-and-swap lost: someone changed the record between our read and our write.
                var (a, markSet) = await ReadAsync(client, s, cancellationToken);
                var winner = OwnershipMark.Parse(markSet);
                if (winner is not null && winner.Cluster == context.ClusterName && winner.Node != context.NodeName)
                    throw new OwnershipLostException(
                        $"Node '{winner.Node}' changed {name} to {Describe(a)} at the same time; it won the record and this node stands down.") { ApiCalls = (int)client.CallCount };
                if (attempt >= tries)
                    throw new ResourceActionException($"Route 53 refused the change to {name} {attempt} time(s): {string.Join(" ", e.Messages)}", e) { ApiCalls = (int)client.CallCount };
                context.Log($"{context.Tag}: the record changed under us ({string.Join(" ", e.Messages)}); reading it again.");
            }
            catch (Route53Exception e)
            {
                throw new ResourceActionException(
                    $"Could not update {name} in zone {s.HostedZoneId}: {e.Message}" + (e.IsRetryable ? $" (after {s.Access.MaxAttempts} attempts)" : ""), e) { ApiCalls = (int)client.CallCount };
            }
        }

        // What is left is waiting for INSYNC: the parents may start meanwhile.
        context.Submitted?.Invoke();
        var cap = context.Tunables.Typed.ChangeIdInterval;
        int changeTries = context.Tunables.Typed.ChangeIdTryCount;
        context.Log($"{context.Tag}: change {change!.ShortId} is {change.Status}; following it to INSYNC (budget {(cap * changeTries).TotalSeconds:0} s).");
        string submitted = $"Route 53 accepted change {change.ShortId} ({action}): it still moves the record to this node when it reaches INSYNC, usually within a minute.";
        Phase($"waiting for change {change.ShortId} to reach INSYNC ({change.Status})", submitted, TimeSpan.Zero, cap * changeTries);
        var insync = change.Status == ChangeStatus.INSYNC
            ? new InsyncResult(true, TimeSpan.Zero, 0, ChangeStatus.INSYNC)
            : await InsyncWaiter.WaitAsync(client, change.Id, cap, changeTries, time, poll =>
            {
                Phase($"waiting for change {change.ShortId} to reach INSYNC ({poll.Status})", submitted, poll.Elapsed, poll.Budget);
                context.Log($"{context.Tag}: change {change.ShortId} is {(poll.Failure is null ? poll.Status.ToString() : $"not known ({poll.Failure})")} after {poll.Elapsed.TotalSeconds:0.0} s (asked by rule: {poll.Rule}).");
            }, cancellationToken, hint, context.Tunables.Typed.RequestsPerSecond);
        if (insync.InSync) Phase($"reading {name} back");
        if (!insync.InSync)
            throw new ResourceActionException(
                $"Route 53 change {change.ShortId} for {name} was still {insync.LastStatus} after {insync.Elapsed.TotalSeconds:0} s " +
                (insync.LastFailure is { } failed ? $"(the last GetChange failed: {failed}) " : "") +
                $"(ROUTE53_CHANGEID_INTERVAL {cap.TotalSeconds:0} s × ROUTE53_CHANGEID_TRY_COUNT {changeTries}). The record may be updated already: " +
                "check it in the Route 53 console, then start the resource again; if this happens every time, raise ROUTE53_CHANGEID_TRY_COUNT to 6 or 7.")
            { ApiCalls = (int)client.CallCount };

        var (after, afterMark) = await ReadAsync(client, s, cancellationToken);
        if (!Holds(after, address) || OwnershipMark.Parse(afterMark) != mine)
        {
            var now = OwnershipMark.Parse(afterMark);
            if (now is not null && now.Cluster == context.ClusterName && now.Node != context.NodeName)
                throw new OwnershipLostException($"After INSYNC, {name} holds {Describe(after)} owned by node '{now.Node}'; that node took it over and this node stands down.") { ApiCalls = (int)client.CallCount };
            throw new ResourceActionException($"After INSYNC, {name} holds {Describe(after)} instead of {address}; someone changed it meanwhile.") { ApiCalls = (int)client.CallCount };
        }
        return new KitResult($"{action}; INSYNC after {insync.Elapsed.TotalSeconds:0.0} s ({insync.Polls} poll(s)); read back {address}.", (int)client.CallCount);
    }

    public Task<KitResult> RemoveAsync(KitContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new KitResult($"{DnsNames.Normalize(Route53Settings.For(context.Resource, context.NodeName).RecordName)} is left as it is; the next owner rewrites it."));

    public async Task<CheckResult> QuickCheckAsync(KitContext context, CancellationToken cancellationToken) =>
        (await QuickCheckManyAsync(new[] { context }, cancellationToken)).Results[context.Tag];

    /// <summary>
    /// Checks many route53 resources, reading each hosted zone once (all pages) when it holds two or more of them,
    /// or the one record when it holds one. The client retries reads per ROUTE53_RECORDCHECK_* within ROUTE53_QUICKCHECK_TIMEOUT.
    /// </summary>
    public async Task<BatchCheckResult> QuickCheckManyAsync(IReadOnlyList<KitContext> contexts, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, CheckResult>(StringComparer.OrdinalIgnoreCase);
        int totalCalls = 0;
        if (contexts.Count == 0) return new BatchCheckResult(results, 0);
        var groups = contexts
            .Select(c => (Context: c, Settings: Route53Settings.For(c.Resource, c.NodeName)))
            .GroupBy(x => (Zone: Route53Ids.BareZoneId(x.Settings.HostedZoneId), x.Settings.Access));
        foreach (var group in groups)
        {
            var first = group.First().Context;
            var tunables = first.Tunables;
            // The client is the one place that retries: ROUTE53_RECORDCHECK_TRY_COUNT attempts per call, pauses up to
            // ROUTE53_RECORDCHECK_INTERVAL, all within ROUTE53_QUICKCHECK_TIMEOUT.
            var client = first.Environment.Route53(group.Key.Access with
            {
                MaxAttempts = tunables.Typed.RecordCheckTryCount,
                MaxRetryDelay = tunables.Typed.RecordCheckInterval,
            }, tunables, first.Log);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(tunables.Typed.QuickCheckTimeout);
            var members = group.ToList();
            Dictionary<string, ResourceRecordSet?>? byName = new(StringComparer.OrdinalIgnoreCase);
            string? failure = null;
            bool misconfigured = false;
            try
            {
                if (members.Count == 1)
                {
                    var (a, _) = await ReadAsync(client, members[0].Settings, limit.Token);
                    byName[DnsNames.Normalize(members[0].Settings.RecordName)] = a;
                }
                else
                {
                    foreach (var set in await client.ListAllResourceRecordSetsAsync(group.Key.Zone, cancellationToken: limit.Token))
                        if (set.Type == "A" && set.SetIdentifier is null) byName[DnsNames.Normalize(set.Name)] = set;
                }
            }
            catch (Exception e) when (e is Route53Exception or Aws.AwsConfigurationException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                byName = null;
                failure = e is OperationCanceledException ? $"no answer within ROUTE53_QUICKCHECK_TIMEOUT ({tunables.Typed.QuickCheckTimeout.TotalSeconds:0} s)" : e.Message;
                // Wrong credentials or permissions are not an outage: they alert, though they never fail anything over.
                misconfigured = e is AccessDeniedException or SignatureDoesNotMatchException or Aws.AwsConfigurationException;
            }
            int calls = (int)client.CallCount;
            totalCalls += calls;
            foreach (var (context, s) in members)
            {
                string name = DnsNames.Normalize(s.RecordName);
                if (byName is null)
                {
                    results[context.Tag] = misconfigured
                        ? new CheckResult(CheckOutcome.Misconfigured, $"Route 53 refused this node's credentials or permissions ({failure}); the record was not judged. " +
                            "Fix the credentials or the IAM policy (route53:ListResourceRecordSets); this is not a reason to fail over.", calls)
                        : new CheckResult(CheckOutcome.Unknown, $"Route 53 could not be read ({failure}); the record was not judged.", calls);
                    continue;
                }
                IPAddress address;
                try { address = AddressOf(context, s); }
                catch (Exception e) when (e is HaException)
                {
                    results[context.Tag] = new CheckResult(CheckOutcome.Failed, e.Message, calls);
                    continue;
                }
                byName.TryGetValue(name, out var a);
                results[context.Tag] = a is null
                    ? new CheckResult(CheckOutcome.Failed, $"{name} has no A record; it should hold {address}.", calls)
                    : Holds(a, address)
                        ? new CheckResult(CheckOutcome.Healthy, $"{name} holds {address}.", calls)
                        : new CheckResult(CheckOutcome.Failed, $"{name} holds {(a.AliasTarget is { } alias ? alias.ToString() : string.Join(", ", a.Values))} instead of {address}.", calls);
            }
        }
        return new BatchCheckResult(results, totalCalls);
    }
}
