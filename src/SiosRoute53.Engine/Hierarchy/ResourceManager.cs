using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Hierarchy;

/// <summary>
/// The product on one node, as the cmdlets and the node agent use it: resource definitions (<see cref="ResourceCatalog"/>),
/// their hierarchy (<see cref="HierarchyGraph"/>), bringing it in service children first and out of service parents
/// first (one <see cref="StepRunner"/> for every step), and checking it (<see cref="HealthChecker"/>). Every change
/// goes through the store; every action goes to the one event log.
/// </summary>
public sealed class ResourceManager
{
    private readonly HierarchyServices _services;
    private readonly ResourceCatalog _catalog;
    private readonly HealthChecker _checker;

    public ResourceManager(StateStore store, KitEnvironment environment, Func<TunableSet> tunables, IEnumerable<IResourceKit>? kits = null)
    {
        _services = new HierarchyServices(store, environment, tunables, kits is null ? KitCatalog.Default : new KitCatalog(kits));
        _catalog = new ResourceCatalog(_services);
        _checker = new HealthChecker(_services);
    }

    public StateStore Store => _services.Store;

    /// <summary>The event log every part of the node records to.</summary>
    public EventLog Events => _services.Events;

    public static string? ValidateTag(string tag) => ResourceCatalog.ValidateTag(tag);

    // ---- reading ---------------------------------------------------------------------------------------------

    public NodeState State() => Store.Read();

    public IReadOnlyList<HaResource> List(IEnumerable<string>? tags = null)
    {
        var state = Store.Read();
        var selected = tags is null ? state.Resources : tags.Select(t => HierarchyServices.Require(state, t)).ToList();
        return selected.Select(r => _services.View(state, r)).ToList();
    }

    public IReadOnlyList<HaEvent> ListEvents() => Store.ReadEvents();

    /// <summary>The resources as another node reported them (its states, this node's definitions).</summary>
    public IReadOnlyList<HaResource> ListAsReportedBy(string node, IEnumerable<(string Tag, ResourceState State)> reported)
    {
        var state = Store.Read();
        var asThere = state with { NodeName = node };
        foreach (var (tag, value) in reported)
            asThere = asThere.WithStatus(new ResourceStatus { Tag = tag, Node = node, State = value, Reason = $"as reported by {node}" });
        return state.Resources.Where(r => r.Nodes.ContainsKey(node)).Select(r => _services.View(asThere, r)).ToList();
    }

    // ---- definitions -----------------------------------------------------------------------------------------

    /// <summary>Finds a hosted zone by id or name (see <see cref="HostedZoneLookup"/>).</summary>
    public Task<HostedZone> ResolveZoneAsync(AwsAccessOptions access, string? zoneId, string? zoneName, Action<string>? log, CancellationToken cancellationToken) =>
        HostedZoneLookup.ResolveAsync(_services.Environment.Route53(access, _services.LoadTunables(), log), zoneId, zoneName, cancellationToken);

    /// <summary>Creates a resource on this node (state OSU) with dependencies on <paramref name="children"/>.</summary>
    public Task<HaResource> CreateAsync(ResourceDefinition definition, IReadOnlyList<string> children, CancellationToken cancellationToken) =>
        _catalog.CreateAsync(definition, children, cancellationToken);

    /// <summary>
    /// Checks, on the node a hierarchy is being extended to, each resource with that node's own settings (its own
    /// ENI address must be configured here). Throws naming the first bad value; changes nothing.
    /// </summary>
    public Task ValidateExtensionAsync(IReadOnlyList<ResourceDefinition> resources, IReadOnlyDictionary<string, List<string>> children, string node, CancellationToken cancellationToken) =>
        _catalog.ValidateExtensionAsync(resources, children, node, cancellationToken);

    /// <summary>
    /// Changes a resource's definition cluster-wide (see <see cref="ResourceUpdatePlanner"/> for what is refused while in
    /// service). <paramref name="inService"/>: what the other members have in service; <paramref name="validateOn"/>:
    /// asks another node to check its own new settings. With <paramref name="apply"/> false nothing changes (-WhatIf).
    /// </summary>
    public Task<HaResourceUpdate> UpdateAsync(ResourceUpdate update, InServiceView inService, Func<ResourceDefinition, string, CancellationToken, Task>? validateOn,
        bool apply, CancellationToken cancellationToken) =>
        _catalog.UpdateAsync(update, inService, validateOn, apply, cancellationToken);

    /// <summary>The definitions of <paramref name="tags"/>' whole hierarchies (all when none), for Export-HaConfiguration; <paramref name="leftOut"/> names settings not exported.</summary>
    public ConfigurationDocument Export(IReadOnlyCollection<string>? tags, out IReadOnlyList<string> leftOut) =>
        ConfigurationTransfer.Export(Store.Read(), tags, _services.Time.GetUtcNow(), out leftOut);

    /// <summary>Adds a document's resources and dependencies as one configuration change, or refuses it whole (see <see cref="ConfigurationTransfer.PlanImport"/>).</summary>
    public Task<IReadOnlyList<HaResource>> ImportAsync(ConfigurationDocument document, Func<ResourceDefinition, string, CancellationToken, Task>? validateOn,
        bool apply, CancellationToken cancellationToken) =>
        _catalog.ImportAsync(document, validateOn, apply, cancellationToken);

    public HaResource AddDependency(string parent, string child) => _catalog.AddDependency(parent, child);

    public HaResource RemoveDependency(string parent, string child) => _catalog.RemoveDependency(parent, child);

    public void Remove(string tag) => _catalog.Remove(tag);

    // ---- hierarchy order -------------------------------------------------------------------------------------

    /// <summary>The resource and everything below it, children before parents.</summary>
    public static List<string> RestoreOrder(NodeState state, string tag) => HierarchyGraph.Of(state).RestoreOrder(tag);

    /// <summary>The resource and everything above it, parents before children.</summary>
    public static List<string> RemoveOrder(NodeState state, string tag) => HierarchyGraph.Of(state).RemoveOrder(tag);

    // ---- start and stop --------------------------------------------------------------------------------------

    /// <summary>
    /// Brings <paramref name="tag"/> in service with everything it depends on, children first. A parent's restore
    /// starts as soon as its child's is only waiting (a submitted Route 53 change followed to INSYNC), so the service
    /// starts during the INSYNC wait; the hierarchy is in service when every restore has ended well. A failure of any
    /// leaves the failed resource OSF with the reason and takes back out of service what this call brought in.
    /// </summary>
    public async Task<HaOperationResult> StartAsync(string tag, OperationOptions options, CancellationToken cancellationToken)
    {
        // An operator's start: the node keeps the ownership generation the record's mark got (cluster rule 4; the step
        // that restored the record writes it), so its agent reports it and the next owner claims a newer one.
        using var observed = OwnershipMark.ObserveGeneration();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var tunables = _services.TunablesFor(options);
        var runner = StepRunner.Lease(_services, s => HierarchyGraph.Of(s).RestoreOrder(HierarchyServices.Require(s, tag).Tag), EventActions.Restore);
        var order = runner.Leased;
        var leased = runner.State;
        var toRestore = order.Where(t => leased.StatusOf(t, leased.NodeName).State != ResourceState.ISP).ToList();
        runner.ExpectTransitions(toRestore.Count);
        var running = new List<(string Tag, Task<StepResult> Step)>();
        try
        {
            foreach (var t in order)
            {
                if (!toRestore.Contains(t))
                {
                    runner.Skip(t, EventActions.Restore, "already in service");
                    continue;
                }
                var r = HierarchyServices.Require(leased, t);
                var submitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var context = _services.Context(leased, r, tunables, options) with { Submitted = options.Pipelined ? () => submitted.TrySetResult() : null };
                options.Log?.Invoke($"{t}: restoring ({r.Kind}).");
                var step = runner.RunAsync(StepKind.Restore, t, () => _services.Kits.For(r.Kind).RestoreAsync(context, cancellationToken));
                running.Add((t, step));
                // The next resource (a parent) starts when this restore has ended well or is only waiting.
                await Task.WhenAny(step, submitted.Task);
                if (step.IsCompleted && !step.Result.Succeeded) break;
            }
            var ended = await Task.WhenAll(running.Select(x => x.Step));
            int failedAt = Array.FindIndex(ended, s => !s.Succeeded);
            if (failedAt < 0)
                return Report(runner, "start", tag, true, $"'{tag}' is in service on '{leased.NodeName}' ({order.Count} resource(s)).", order, watch.Elapsed);
            var failure = ended[failedAt];
            var restored = running.Where((x, i) => ended[i].Succeeded).Select(x => x.Tag).ToList();
            await RollBackAsync(runner, restored, leased, tunables, options);
            if (failure.Cancelled && cancellationToken.IsCancellationRequested) throw failure.Error!;
            return Report(runner, "start", tag, false, $"'{running[failedAt].Tag}' failed to come in service: {failure.Message}", order, watch.Elapsed);
        }
        finally
        {
            runner.Finish();
        }
    }

    private async Task RollBackAsync(StepRunner runner, List<string> restored, NodeState leased, TunableSet tunables, OperationOptions options)
    {
        // Undo, parents first, only what this operation brought in service, even after Ctrl+C (bounded in time).
        using var limit = new CancellationTokenSource(tunables.Typed.ServiceCommandTimeout + TimeSpan.FromSeconds(30));
        runner.ExpectTransitions(restored.Count);
        for (int i = restored.Count - 1; i >= 0; i--)
        {
            string t = restored[i];
            var r = HierarchyServices.Require(leased, t);
            var context = _services.Context(leased, r, tunables, options);
            await runner.RunAsync(StepKind.Rollback, t, () => _services.Kits.For(r.Kind).RemoveAsync(context, limit.Token));
        }
    }

    /// <summary>Takes <paramref name="tag"/> out of service with everything that depends on it, parents first.</summary>
    public Task<HaOperationResult> StopAsync(string tag, OperationOptions options, CancellationToken cancellationToken) =>
        StopAsync(tag, wholeHierarchy: false, options, cancellationToken);

    /// <summary>
    /// Takes a whole hierarchy out of service on this node: everything above and below <paramref name="tag"/>,
    /// parents first, as a switchover, a failover or quorum fencing needs.
    /// </summary>
    public Task<HaOperationResult> StopHierarchyAsync(string tag, OperationOptions options, CancellationToken cancellationToken) =>
        StopAsync(tag, wholeHierarchy: true, options, cancellationToken);

    private async Task<HaOperationResult> StopAsync(string tag, bool wholeHierarchy, OperationOptions options, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var tunables = _services.TunablesFor(options);
        var runner = StepRunner.Lease(_services, s =>
        {
            var graph = HierarchyGraph.Of(s);
            string target = HierarchyServices.Require(s, tag).Tag;
            return wholeHierarchy ? graph.WholeHierarchyRemoveOrder(target) : graph.RemoveOrder(target);
        }, EventActions.Remove);
        var order = runner.Leased;
        var leased = runner.State;
        // Out of service after a failed, rolled-back or killed start is not cleanly out of service (the record may
        // still point here): a stop runs the remove again and clears it.
        var toRemove = order.Where(t => leased.StatusOf(t, leased.NodeName) is not { State: ResourceState.OSU, Reason: StepKind.CreatedReason or StepKind.StoppedReason }).ToList();
        runner.ExpectTransitions(toRemove.Count);
        try
        {
            foreach (var t in order)
            {
                if (!toRemove.Contains(t))
                {
                    runner.Skip(t, EventActions.Remove, "already out of service");
                    continue;
                }
                var r = HierarchyServices.Require(leased, t);
                options.Log?.Invoke($"{t}: removing ({r.Kind}).");
                var context = _services.Context(leased, r, tunables, options);
                var step = await runner.RunAsync(StepKind.Remove, t, () => _services.Kits.For(r.Kind).RemoveAsync(context, cancellationToken));
                if (step.Succeeded) continue;
                if (step.Cancelled && cancellationToken.IsCancellationRequested) throw step.Error!;
                return Report(runner, "stop", tag, false, $"'{t}' failed to go out of service: {step.Message}", order, watch.Elapsed);
            }
            return Report(runner, "stop", tag, true, $"'{tag}' is out of service on '{leased.NodeName}' ({order.Count} resource(s)).", order, watch.Elapsed);
        }
        finally
        {
            runner.Finish();
        }
    }

    private HaOperationResult Report(StepRunner runner, string operation, string tag, bool ok, string message, IReadOnlyList<string> order, TimeSpan duration)
    {
        var state = runner.State;
        return new HaOperationResult
        {
            Operation = operation,
            Tag = state.Find(tag)?.Tag ?? tag,
            Node = state.NodeName,
            Succeeded = ok,
            Message = message,
            Duration = duration,
            Steps = runner.Steps,
            Resources = order.Select(t => state.Find(t)).Where(r => r is not null).Select(r => _services.View(state, r!)).ToList(),
        };
    }

    // ---- checks ----------------------------------------------------------------------------------------------

    /// <summary>
    /// quickChecks this node's resources (all, or <paramref name="tags"/>), route53 ones zone by zone, and with
    /// <paramref name="recover"/> runs local recovery on each failure (see <see cref="HealthChecker"/>).
    /// </summary>
    public Task<IReadOnlyList<HaCheckResult>> CheckAsync(IEnumerable<string>? tags, bool recover, OperationOptions options, CancellationToken cancellationToken) =>
        _checker.CheckAsync(tags, recover, options, cancellationToken);
}
