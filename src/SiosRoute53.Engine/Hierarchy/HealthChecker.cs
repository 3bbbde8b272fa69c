using System.Diagnostics;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Hierarchy;

/// <summary>
/// The health check of a node: quickChecks what is in service (route53 resources zone by zone), recovers on request,
/// and never reads green while something is wrong. A failed (OSF) resource fails every check until it is started or
/// cleared; a record that points here while its resource is out of service fails the check; a check that could not
/// judge leaves the resource ISU and says so; a credentials or permissions error alerts but never recovers or fails over.
/// Only one check runs at a time on a node, so a repair that waits for INSYNC never overlaps the next scheduled run.
/// </summary>
internal sealed class HealthChecker(HierarchyServices services)
{
    private static bool InService(ResourceState s) => s is ResourceState.ISP or ResourceState.ISU;

    public async Task<IReadOnlyList<HaCheckResult>> CheckAsync(IEnumerable<string>? tags, bool recover, OperationOptions options, CancellationToken cancellationToken)
    {
        var store = services.Store;
        if (!store.Exists)
            throw new StoreException($"There is no state in '{store.Directory}' ({store.StatePath} is missing): nothing is protected on this node, so nothing can be judged healthy. " +
                                     "Check -StateDirectory or SIOSR53_STATE_DIR, or create the resources first.");
        using var running = SecureFiles.TryLock(Path.Combine(store.Directory, "check.lock"))
            ?? throw new ResourceBusyException($"A previous health check on this node is still running (a repair may be waiting for Route 53 to reach INSYNC); this run does not overlap it. " +
                                               "The result of this run is unknown; the next one will check again.");
        var tunables = services.TunablesFor(options);
        var state = store.Read();
        services.Saw(state);
        string node = state.NodeName;
        var named = tags?.Select(t => HierarchyServices.Require(state, t)).ToList();
        var selected = named ?? state.Resources.Where(r => r.Nodes.ContainsKey(node) || state.States.Any(s => s.Tag.Equals(r.Tag, StringComparison.OrdinalIgnoreCase) && s.Node.Equals(node, StringComparison.OrdinalIgnoreCase))).ToList();
        var watch = Stopwatch.StartNew();
        var raw = new Dictionary<string, CheckResult>(StringComparer.OrdinalIgnoreCase);
        var toCheck = new List<ResourceDefinition>();
        var results = new List<HaCheckResult>();

        foreach (var r in selected)
        {
            var status = state.StatusOf(r.Tag, node);
            if (Leases.HeldByOther(status))
                raw[r.Tag] = new CheckResult(CheckOutcome.Unknown, $"busy: {status.BusyAction} by process {status.BusyPid}; not checked now.");
            else if (InService(status.State) || services.Kits.For(r.Kind) is IPublishingKit && !DeliberatelyStopped(status))
                toCheck.Add(r);
            else if (status.State == ResourceState.OSF)
                raw[r.Tag] = FailedOutOfService(r, status);
            else if (named is not null)
                raw[r.Tag] = new CheckResult(CheckOutcome.Failed, $"'{r.Tag}' is out of service (OSU) on '{node}'; there is nothing to check. Start it with Start-HaResource {r.Tag}.");
        }

        int cycleCalls = 0;
        foreach (var byKind in toCheck.GroupBy(r => r.Kind))
        {
            var kit = services.Kits.For(byKind.Key);
            var contexts = byKind.Select(r => services.Context(state, r, tunables, options)).ToList();
            try
            {
                if (kit is IBatchCheckKit batch)
                {
                    var outcome = await batch.QuickCheckManyAsync(contexts, cancellationToken);
                    cycleCalls += outcome.ApiCalls;
                    foreach (var (t, c) in outcome.Results) raw[t] = c;
                }
                else
                {
                    foreach (var c in contexts) raw[c.Tag] = await CheckOneAsync(kit, c, cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                foreach (var c in contexts) raw[c.Tag] = CouldNotCheck(e);
            }
        }

        foreach (var r in selected)
        {
            if (!raw.TryGetValue(r.Tag, out var check)) continue;
            var status = state.StatusOf(r.Tag, node);
            if (!InService(status.State) && services.Kits.For(r.Kind) is IPublishingKit && !Leases.HeldByOther(status))
            {
                // Out of service here: only news when the outside world still points at this node.
                if (check.Outcome != CheckOutcome.Healthy)
                {
                    if (status.State != ResourceState.OSF && named is null) continue;
                    check = status.State == ResourceState.OSF ? FailedOutOfService(r, status) with { ApiCalls = check.ApiCalls }
                        : new CheckResult(CheckOutcome.Failed, $"'{r.Tag}' is out of service (OSU) on '{node}'; there is nothing to check. Start it with Start-HaResource {r.Tag}.", check.ApiCalls);
                }
                else
                {
                    check = new CheckResult(CheckOutcome.Failed,
                        $"{check.Message} The record points here but the hierarchy is not in service on '{node}' ('{r.Tag}' is {status.State}: {status.Reason}). " +
                        $"Start it here (Start-HaResource {r.Tag}) or on the node that should have it.", check.ApiCalls);
                }
                results.Add(Result(r, node, check, null, null, status.State, cycleCalls, watch.Elapsed));
                services.Events.Record(r.Tag, EventActions.QuickCheck, EventOutcomes.Failed, check.Message, null, check.ApiCalls);
                continue;
            }
            if (!InService(status.State) || Leases.HeldByOther(status))
            {
                results.Add(Result(r, node, check, null, null, status.State, cycleCalls, watch.Elapsed));
                if (check.Outcome == CheckOutcome.Failed) services.Events.Record(r.Tag, EventActions.QuickCheck, EventOutcomes.Failed, check.Message);
                continue;
            }
            results.Add(await JudgeAsync(r, status, check, recover, tunables, options, cycleCalls, watch, cancellationToken));
        }

        if (results.Count > 0)
        {
            int failed = results.Count(r => r.NeedsAttention), unknown = results.Count(r => r.Outcome == CheckOutcome.Unknown);
            int repaired = results.Count(r => r.Recovered == true);
            services.Events.Record(null, EventActions.QuickCheck, failed > 0 ? EventOutcomes.Failed : unknown > 0 ? EventOutcomes.Unknown : EventOutcomes.Healthy,
                $"Checked {results.Count} resource(s): {results.Count(r => r.Outcome == CheckOutcome.Healthy)} healthy, {failed} need attention, {unknown} unknown, {repaired} repaired; {cycleCalls} Route 53 call(s).",
                watch.Elapsed, cycleCalls);
        }
        return results;
    }

    private static async Task<CheckResult> CheckOneAsync(IResourceKit kit, KitContext context, CancellationToken cancellationToken)
    {
        try { return await kit.QuickCheckAsync(context, cancellationToken); }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) { return CouldNotCheck(e); }
    }

    /// <summary>A check that threw: wrong credentials or a broken definition alert as misconfigured; anything else could not judge.</summary>
    private static CheckResult CouldNotCheck(Exception e) => e switch
    {
        Aws.AwsConfigurationException or DefinitionException => new CheckResult(CheckOutcome.Misconfigured, $"The check cannot run: {e.Message}"),
        _ => new CheckResult(CheckOutcome.Unknown, $"The check could not judge: {StepRunner.Describe(e)}"),
    };

    /// <summary>
    /// Taken out of service by an operator's stop (not a failed, rolled-back or killed start): the record it leaves
    /// is expected to point here until the next owner rewrites it.
    /// </summary>
    private static bool DeliberatelyStopped(ResourceStatus status) =>
        status.State == ResourceState.OSU && status.Reason is StepKind.StoppedReason or StepKind.CreatedReason && status.BusyPid is null;

    private static CheckResult FailedOutOfService(ResourceDefinition r, ResourceStatus status) =>
        new(CheckOutcome.Failed, $"'{r.Tag}' is out of service, failed (OSF) since {status.Since:u}: {status.Reason}. " +
                                 $"Start it (Start-HaResource {r.Tag}) or clear it (Stop-HaResource {r.Tag}); until then every check fails.");

    private async Task<HaCheckResult> JudgeAsync(ResourceDefinition r, ResourceStatus status, CheckResult check, bool recover, TunableSet tunables,
        OperationOptions options, int cycleCalls, Stopwatch watch, CancellationToken cancellationToken)
    {
        string node = status.Node;
        var newState = status.State;
        bool? recovered = null;
        string? repair = null;
        string message = check.Message;
        void Set(ResourceState value, string reason)
        {
            newState = value;
            if (value == status.State && status.Reason == reason) return;
            services.Store.Update(s => s.Find(r.Tag) is null ? s : s.WithStatus(s.StatusOf(r.Tag, s.NodeName) with { State = value, Reason = reason, Since = services.Time.GetUtcNow() }));
        }
        switch (check.Outcome)
        {
            case CheckOutcome.Healthy:
                // A healthy check is news only when it ends a doubt; the cycle's summary event counts the rest.
                if (status.State == ResourceState.ISU)
                {
                    Set(ResourceState.ISP, "quickCheck healthy again");
                    services.Events.Record(r.Tag, EventActions.QuickCheck, EventOutcomes.Healthy, check.Message + " (healthy again)", null, check.ApiCalls);
                }
                break;
            case CheckOutcome.Unknown:
                // Could not judge: in service, unprotected until a check can tell again. Never a recovery.
                Set(ResourceState.ISU, "quickCheck could not judge: " + check.Message);
                services.Events.Record(r.Tag, EventActions.QuickCheck, EventOutcomes.Unknown, check.Message + " No recovery: an API outage is not a resource failure.", null, check.ApiCalls);
                break;
            case CheckOutcome.Misconfigured:
                Set(ResourceState.ISU, "quickCheck refused: " + check.Message);
                services.Events.Record(r.Tag, EventActions.QuickCheck, EventOutcomes.Misconfigured, check.Message, null, check.ApiCalls);
                break;
            case CheckOutcome.Failed when recover:
                services.Events.Record(r.Tag, EventActions.QuickCheck, EventOutcomes.Failed, check.Message, null, check.ApiCalls);
                (recovered, repair, newState) = await RecoverAsync(r, check, tunables, options, cancellationToken);
                message = recovered == true ? $"{check.Message} Repaired: {repair}" : $"{check.Message} Recovery failed: {repair}";
                break;
            case CheckOutcome.Failed:
                Set(ResourceState.ISU, "quickCheck failed: " + check.Message);
                services.Events.Record(r.Tag, EventActions.QuickCheck, EventOutcomes.Failed, check.Message + " (no recovery requested)", null, check.ApiCalls);
                break;
        }
        return Result(r, node, check with { Message = message }, recovered, recovered == true ? repair : null, newState, cycleCalls, watch.Elapsed);
    }

    private async Task<(bool Recovered, string Message, ResourceState State)> RecoverAsync(
        ResourceDefinition r, CheckResult check, TunableSet tunables, OperationOptions options, CancellationToken cancellationToken)
    {
        var runner = StepRunner.Lease(services, _ => new List<string> { r.Tag }, EventActions.Recover);
        try
        {
            options.Log?.Invoke($"{r.Tag}: quickCheck failed ({check.Message}); recovering.");
            var context = services.Context(runner.State, r, tunables, options);
            runner.ExpectTransitions(1);
            var step = await runner.RunAsync(StepKind.Recover, r.Tag, () => services.Kits.For(r.Kind).RecoverAsync(context, cancellationToken));
            if (step.Cancelled && cancellationToken.IsCancellationRequested) throw step.Error!;
            return (step.Succeeded, step.Message, runner.State.StatusOf(r.Tag, runner.State.NodeName).State);
        }
        finally
        {
            runner.Finish();
        }
    }

    private HaCheckResult Result(ResourceDefinition r, string node, CheckResult check, bool? recovered, string? repair, ResourceState state, int cycleCalls, TimeSpan elapsed) => new()
    {
        Tag = r.Tag,
        Kind = r.Kind,
        Node = node,
        Outcome = check.Outcome,
        Message = check.Message,
        Recovered = recovered,
        Repair = repair,
        State = state,
        ApiCalls = check.ApiCalls,
        CycleApiCalls = cycleCalls,
        Duration = elapsed,
        Time = services.Time.GetUtcNow(),
    };
}
