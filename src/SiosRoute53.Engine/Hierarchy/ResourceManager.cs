using System.Diagnostics;
using System.Text.RegularExpressions;
using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Hierarchy;

/// <summary>A request that cannot be carried out as given; nothing was changed.</summary>
public sealed class HaArgumentException(string message, string? value = null) : ArgumentException(message)
{
    public string? Value { get; } = value;
}

/// <summary>A resource (or a tag) that does not exist.</summary>
public sealed class ResourceNotFoundException(string tag, IEnumerable<string> known)
    : Exception($"No resource has tag '{tag}'." + (known.Any() ? $" Known: {string.Join(", ", known)}." : " There are no resources yet; create one with New-HaIpResource."))
{
    public string Tag { get; } = tag;
}

/// <summary>Another process is working on a resource right now.</summary>
public sealed class ResourceBusyException(string message) : Exception(message);

/// <summary>Options that shape one operation, from the cmdlet.</summary>
public sealed record OperationOptions
{
    public bool Force { get; init; }
    public Action<string>? Log { get; init; }
    public IProgress<OperationProgress>? Progress { get; init; }
}

/// <summary>
/// The product on one node: resources and their hierarchy, brought in service children first and out of service
/// parents first, checked and recovered. Every change goes through the store; every action goes to the history.
/// </summary>
public sealed partial class ResourceManager
{
    private readonly StateStore _store;
    private readonly KitEnvironment _environment;
    private readonly Func<TunableSet> _tunables;
    private readonly IReadOnlyDictionary<ResourceKind, IResourceKit> _kits;

    public ResourceManager(StateStore store, KitEnvironment environment, Func<TunableSet> tunables, IEnumerable<IResourceKit>? kits = null)
    {
        _store = store;
        _environment = environment;
        _tunables = tunables;
        _kits = (kits ?? new IResourceKit[] { new IpKit(), new Route53Kit(), new ServiceKit() }).ToDictionary(k => k.Kind);
    }

    public StateStore Store => _store;

    private TimeProvider Time => _environment.Time;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex TagPattern();

    public static string? ValidateTag(string tag) =>
        TagPattern().IsMatch(tag ?? "") ? null : $"Tag '{tag}' is not valid: use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit.";

    // ---- reading ---------------------------------------------------------------------------------------------

    public NodeState State() => _store.Read();

    public IReadOnlyList<HaResource> List(IEnumerable<string>? tags = null)
    {
        var state = _store.Read();
        var selected = tags is null ? state.Resources : tags.Select(t => Require(state, t)).ToList();
        return selected.Select(r => View(state, r)).ToList();
    }

    public IReadOnlyList<HaEvent> Events() => _store.ReadEvents();

    private static ResourceDefinition Require(NodeState state, string tag) =>
        state.Find(tag) ?? throw new ResourceNotFoundException(tag, state.Resources.Select(r => r.Tag));

    /// <summary>The resources as another node reported them (its states, this node's definitions).</summary>
    public IReadOnlyList<HaResource> ListAsReportedBy(string node, IEnumerable<(string Tag, ResourceState State)> reported)
    {
        var state = _store.Read();
        var asThere = state with { NodeName = node };
        foreach (var (tag, value) in reported)
            asThere = asThere.WithStatus(new ResourceStatus { Tag = tag, Node = node, State = value, Reason = $"as reported by {node}" });
        return state.Resources.Where(r => r.Nodes.ContainsKey(node)).Select(r => View(asThere, r)).ToList();
    }

    private static HaResource View(NodeState state, ResourceDefinition r)
    {
        var status = state.StatusOf(r.Tag, state.NodeName);
        bool busy = status.BusyPid is { } pid && StateStore.ProcessAlive(pid);
        var settings = new Dictionary<string, string>(r.Settings, StringComparer.Ordinal);
        if (r.Nodes.TryGetValue(state.NodeName, out var mine))
            foreach (var (k, v) in mine.Settings) settings[k] = v;
        return new HaResource
        {
            Tag = r.Tag,
            Kind = r.Kind,
            Node = state.NodeName,
            State = status.State,
            Reason = status.Reason,
            Since = status.Since == default ? r.Created : status.Since,
            Priority = mine?.Priority ?? 1,
            Detail = Detail(r, state.NodeName),
            Parents = state.ParentsOf(r.Tag).ToList(),
            Children = state.ChildrenOf(r.Tag).ToList(),
            Settings = settings,
            BusyAction = busy ? $"{status.BusyAction} by process {status.BusyPid}" : null,
        };
    }

    private static string Detail(ResourceDefinition r, string node) => r.Kind switch
    {
        ResourceKind.Ip => r.Setting(node, SettingKeys.Address) ?? "(no address on this node)",
        ResourceKind.Route53 => $"{r.Setting(node, SettingKeys.RecordName)} A in {r.Setting(node, SettingKeys.ZoneName)} ({r.Setting(node, SettingKeys.HostedZoneId)})",
        ResourceKind.Service => r.Setting(node, SettingKeys.SystemdUnit) is { } unit ? $"systemd unit {unit}" : $"check: {r.Setting(node, SettingKeys.CheckCommand)}",
        _ => "",
    };

    // ---- definitions -----------------------------------------------------------------------------------------

    /// <summary>
    /// Finds a hosted zone by id or name with ListHostedZones (the least-privilege policy has no GetHostedZone).
    /// </summary>
    public async Task<HostedZone> ResolveZoneAsync(AwsAccessOptions access, string? zoneId, string? zoneName, Action<string>? log, CancellationToken cancellationToken)
    {
        var client = _environment.Route53(access, _tunables(), log);
        var zones = await client.ListAllHostedZonesAsync(cancellationToken);
        if (zoneId is not null)
        {
            string bare = Route53Ids.BareZoneId(zoneId);
            return zones.FirstOrDefault(z => z.ShortId.Equals(bare, StringComparison.OrdinalIgnoreCase))
                ?? throw new HaArgumentException($"Hosted zone '{zoneId}' was not found among the {zones.Count} zone(s) these credentials see ({string.Join(", ", zones.Select(z => $"{z.Name} {z.ShortId}"))}). Check the id with Get-HaRoute53Zone.", zoneId);
        }
        var named = zones.Where(z => DnsNames.Equal(z.Name, zoneName!)).ToList();
        return named.Count switch
        {
            0 => throw new HaArgumentException($"No hosted zone is named '{DnsNames.Normalize(zoneName!)}' among the {zones.Count} zone(s) these credentials see. Check the name with Get-HaRoute53Zone.", zoneName),
            1 => named[0],
            _ => throw new HaArgumentException($"{named.Count} hosted zones are named '{DnsNames.Normalize(zoneName!)}' ({string.Join(", ", named.Select(z => $"{z.ShortId}{(z.PrivateZone ? " private" : " public")}"))}); give -HostedZoneId instead.", zoneName),
        };
    }

    /// <summary>Creates a resource on this node (state OSU) with dependencies on <paramref name="children"/>.</summary>
    public async Task<HaResource> CreateAsync(ResourceDefinition definition, IReadOnlyList<string> children, CancellationToken cancellationToken)
    {
        if (ValidateTag(definition.Tag) is { } bad) throw new HaArgumentException(bad, definition.Tag);
        var state = _store.Read();
        CheckNewTag(state, definition.Tag);
        var childDefinitions = children.Select(c => Require(state, c)).ToDictionary(c => c.Tag, StringComparer.OrdinalIgnoreCase);
        definition = definition with
        {
            Created = Time.GetUtcNow(),
            Nodes = definition.Nodes.Count > 0 ? definition.Nodes : new(StringComparer.OrdinalIgnoreCase) { [state.NodeName] = new NodeInstance() },
        };
        var context = Context(state, definition, _tunables(), new OperationOptions(), childDefinitions);
        await _kits[definition.Kind].ValidateAsync(context, cancellationToken);

        var created = _store.Update(current =>
        {
            CheckNewTag(current, definition.Tag);
            foreach (var c in children) Require(current, c);
            var next = (current with
            {
                NodeName = current.NodeName.Length == 0 ? StateStore.DefaultNodeName() : current.NodeName,
                ClusterName = current.ClusterName,
                Resources = current.Resources.Append(definition).ToList(),
                Dependencies = current.Dependencies.Concat(children.Select(c => new Dependency(definition.Tag, Require(current, c).Tag))).ToList(),
            }).ConfigChanged();
            next = next.WithStatus(new ResourceStatus { Tag = definition.Tag, Node = next.NodeName, State = ResourceState.OSU, Since = Time.GetUtcNow(), Reason = "created" });
            return (next, View(next, definition));
        });
        Record(created.Tag, "create", "success", $"Created {definition.Kind} resource '{definition.Tag}': {created.Detail}.");
        return created;
    }

    /// <summary>
    /// Checks, on the node a hierarchy is being extended to, each resource with that node's own settings (its own
    /// ENI address must be configured here). Throws naming the first bad value; changes nothing.
    /// </summary>
    public async Task ValidateExtensionAsync(IReadOnlyList<ResourceDefinition> resources, IReadOnlyDictionary<string, List<string>> children, string node, CancellationToken cancellationToken)
    {
        var state = _store.Read() with { NodeName = node };
        var byTag = resources.ToDictionary(r => r.Tag, StringComparer.OrdinalIgnoreCase);
        foreach (var r in resources)
        {
            var kids = (children.TryGetValue(r.Tag, out var c) ? c : new List<string>())
                .Select(t => byTag.TryGetValue(t, out var d) ? d : Require(state, t))
                .ToDictionary(d => d.Tag, StringComparer.OrdinalIgnoreCase);
            await _kits[r.Kind].ValidateAsync(Context(state, r, _tunables(), new OperationOptions(), kids), cancellationToken);
        }
    }

    private static void CheckNewTag(NodeState state, string tag)
    {
        if (state.Find(tag) is { } existing)
            throw new HaArgumentException($"A resource with tag '{existing.Tag}' already exists ({existing.Kind}). Choose another tag, or remove that resource first.", tag);
    }

    public HaResource AddDependency(string parent, string child) =>
        _store.Update(state =>
        {
            var p = Require(state, parent);
            var c = Require(state, child);
            if (p.Tag.Equals(c.Tag, StringComparison.OrdinalIgnoreCase))
                throw new HaArgumentException($"A resource cannot depend on itself ('{p.Tag}').", parent);
            if (state.Dependencies.Any(d => d.Parent.Equals(p.Tag, StringComparison.OrdinalIgnoreCase) && d.Child.Equals(c.Tag, StringComparison.OrdinalIgnoreCase)))
                throw new HaArgumentException($"'{p.Tag}' already depends on '{c.Tag}'.", child);
            if (Descendants(state, c.Tag).Contains(p.Tag, StringComparer.OrdinalIgnoreCase))
                throw new HaArgumentException($"'{p.Tag}' cannot depend on '{c.Tag}': '{c.Tag}' already depends on '{p.Tag}' (directly or through others), which would make a cycle.", child);
            var pState = state.StatusOf(p.Tag, state.NodeName).State;
            var cState = state.StatusOf(c.Tag, state.NodeName).State;
            if (pState is ResourceState.ISP or ResourceState.ISU && cState is not (ResourceState.ISP or ResourceState.ISU))
                throw new HaArgumentException($"'{p.Tag}' is in service but '{c.Tag}' is not; bring '{c.Tag}' in service first (a parent needs its children).", child);
            var next = (state with { Dependencies = state.Dependencies.Append(new Dependency(p.Tag, c.Tag)).ToList() }).ConfigChanged();
            return (next, View(next, p));
        }).Also(r => Record(r.Tag, "dependency", "success", $"'{parent}' now depends on '{child}'."));

    public HaResource RemoveDependency(string parent, string child) =>
        _store.Update(state =>
        {
            var p = Require(state, parent);
            var c = Require(state, child);
            var existing = state.Dependencies.FirstOrDefault(d => d.Parent.Equals(p.Tag, StringComparison.OrdinalIgnoreCase) && d.Child.Equals(c.Tag, StringComparison.OrdinalIgnoreCase))
                ?? throw new HaArgumentException($"'{p.Tag}' does not depend on '{c.Tag}'. Its children: {string.Join(", ", state.ChildrenOf(p.Tag).DefaultIfEmpty("none"))}.", child);
            if (p.Kind == ResourceKind.Route53 && c.Kind == ResourceKind.Ip && p.Setting(state.NodeName, SettingKeys.IpResource)?.Equals(c.Tag, StringComparison.OrdinalIgnoreCase) == true)
                throw new HaArgumentException($"route53 resource '{p.Tag}' takes its address from '{c.Tag}'; that dependency cannot be removed. Remove '{p.Tag}' instead.", child);
            var next = (state with { Dependencies = state.Dependencies.Where(d => d != existing).ToList() }).ConfigChanged();
            return (next, View(next, p));
        }).Also(r => Record(r.Tag, "dependency", "success", $"'{parent}' no longer depends on '{child}'."));

    public void Remove(string tag)
    {
        string removed = _store.Update(state =>
        {
            var r = Require(state, tag);
            var status = state.StatusOf(r.Tag, state.NodeName);
            if (status.State is ResourceState.ISP or ResourceState.ISU)
                throw new HaArgumentException($"'{r.Tag}' is in service ({status.State}) on '{state.NodeName}'. Take it out of service first: Stop-HaResource {r.Tag}.", tag);
            if (status.BusyPid is { } pid && StateStore.ProcessAlive(pid))
                throw new ResourceBusyException($"'{r.Tag}' is busy ({status.BusyAction} by process {pid}); try again when it has finished.");
            var parents = state.ParentsOf(r.Tag).ToList();
            if (parents.Count > 0)
                throw new HaArgumentException($"'{string.Join("', '", parents)}' depend(s) on '{r.Tag}'. Remove those resources, or their dependency on it (Remove-HaDependency), first.", tag);
            var next = (state with
            {
                Resources = state.Resources.Where(x => x != r).ToList(),
                Dependencies = state.Dependencies.Where(d => !d.Parent.Equals(r.Tag, StringComparison.OrdinalIgnoreCase)).ToList(),
                States = state.States.Where(s => !s.Tag.Equals(r.Tag, StringComparison.OrdinalIgnoreCase)).ToList(),
            }).ConfigChanged();
            return (next, r.Tag);
        });
        Record(removed, "remove-resource", "success", $"Resource '{removed}' removed.");
    }

    // ---- hierarchy order -------------------------------------------------------------------------------------

    private static List<string> Descendants(NodeState state, string tag)
    {
        var seen = new List<string>();
        void Visit(string t)
        {
            foreach (var c in state.ChildrenOf(t))
                if (!seen.Contains(c, StringComparer.OrdinalIgnoreCase)) { seen.Add(c); Visit(c); }
        }
        Visit(tag);
        return seen;
    }

    /// <summary>The resource and everything below it, children before parents.</summary>
    public static List<string> RestoreOrder(NodeState state, string tag)
    {
        var order = new List<string>();
        void Visit(string t)
        {
            if (order.Contains(t, StringComparer.OrdinalIgnoreCase)) return;
            foreach (var c in state.ChildrenOf(t)) Visit(c);
            order.Add(state.Find(t)!.Tag);
        }
        Visit(tag);
        return order;
    }

    /// <summary>The resource and everything above it, parents before children.</summary>
    public static List<string> RemoveOrder(NodeState state, string tag)
    {
        var order = new List<string>();
        void Visit(string t)
        {
            if (order.Contains(t, StringComparer.OrdinalIgnoreCase)) return;
            foreach (var p in state.ParentsOf(t)) Visit(p);
            order.Add(state.Find(t)!.Tag);
        }
        Visit(tag);
        return order;
    }

    // ---- contexts, leases, history ---------------------------------------------------------------------------

    private KitContext Context(NodeState state, ResourceDefinition r, TunableSet tunables, OperationOptions options,
        IReadOnlyDictionary<string, ResourceDefinition>? children = null) => new()
        {
            Resource = r,
            NodeName = state.NodeName.Length == 0 ? StateStore.DefaultNodeName() : state.NodeName,
            ClusterName = state.ClusterName.Length == 0 ? "local" : state.ClusterName,
            Tunables = tunables,
            Environment = _environment,
            Children = children ?? state.ChildrenOf(r.Tag).Select(c => state.Find(c)).Where(c => c is not null)
                .ToDictionary(c => c!.Tag, c => c!, StringComparer.OrdinalIgnoreCase),
            Force = options.Force,
            Log = options.Log ?? (_ => { }),
            Progress = options.Progress,
        };

    private NodeState Lease(IReadOnlyList<string> tags, string action)
    {
        return _store.Update(state =>
        {
            var next = state;
            foreach (var tag in tags)
            {
                var status = next.StatusOf(tag, next.NodeName);
                if (status.BusyPid is { } pid && pid != Environment.ProcessId && StateStore.ProcessAlive(pid))
                    throw new ResourceBusyException($"'{tag}' is busy: {status.BusyAction} by process {pid} since {status.BusySince:u}. Try again when it has finished.");
                next = next.WithStatus(status with { BusyPid = Environment.ProcessId, BusyAction = action, BusySince = Time.GetUtcNow() });
            }
            return (next, next);
        });
    }

    private void Release(IEnumerable<string> tags)
    {
        _store.Update(state =>
        {
            var next = state;
            foreach (var tag in tags)
            {
                if (state.Find(tag) is null) continue;
                var status = next.StatusOf(tag, next.NodeName);
                if (status.BusyPid == Environment.ProcessId)
                    next = next.WithStatus(status with { BusyPid = null, BusyAction = null, BusySince = null });
            }
            return next;
        });
    }

    private void SetState(string tag, ResourceState value, string reason)
    {
        _store.Update(state =>
        {
            var status = state.StatusOf(tag, state.NodeName);
            return state.WithStatus(status with { State = value, Reason = reason, Since = Time.GetUtcNow() });
        });
    }

    private string? _nodeName;

    /// <summary>This node's name, read once: it only changes when the node joins or creates a cluster, never under a manager.</summary>
    private string NodeName => _nodeName ??= _store.Read().NodeName is { Length: > 0 } n ? n : StateStore.DefaultNodeName();

    private void Record(string? tag, string action, string outcome, string message, TimeSpan? duration = null, int? apiCalls = null)
    {
        _store.Append(new HaEvent
        {
            Time = Time.GetUtcNow(),
            Node = NodeName,
            Tag = tag,
            Action = action,
            Outcome = outcome,
            Message = message,
            Duration = duration,
            ApiCalls = apiCalls,
        });
    }

    // ---- start and stop --------------------------------------------------------------------------------------

    /// <summary>
    /// Brings <paramref name="tag"/> in service with everything it depends on, children first. A failure part-way
    /// leaves the failed resource OSF with the reason and takes back out of service what this call brought in.
    /// </summary>
    public async Task<HaOperationResult> StartAsync(string tag, OperationOptions options, CancellationToken cancellationToken)
    {
        var tunables = _tunables();
        var snapshot = _store.Read();
        var order = RestoreOrder(snapshot, Require(snapshot, tag).Tag);
        var total = Stopwatch.StartNew();
        var steps = new List<HaStep>();
        var restored = new List<string>();
        var state = Lease(order, "restore");
        try
        {
            foreach (var t in order)
            {
                var status = state.StatusOf(t, state.NodeName);
                if (status.State == ResourceState.ISP)
                {
                    steps.Add(new HaStep { Tag = t, Action = "restore", Outcome = "skipped", Message = "already in service" });
                    continue;
                }
                var r = state.Find(t)!;
                var context = Context(state, r, tunables, options);
                options.Log?.Invoke($"{t}: restoring ({r.Kind}).");
                var watch = Stopwatch.StartNew();
                try
                {
                    var result = await _kits[r.Kind].RestoreAsync(context, cancellationToken);
                    SetState(t, ResourceState.ISP, "restored");
                    restored.Add(t);
                    steps.Add(new HaStep { Tag = t, Action = "restore", Outcome = "success", Message = result.Message, Duration = watch.Elapsed, ApiCalls = result.ApiCalls });
                    Record(t, "restore", "success", result.Message, watch.Elapsed, result.ApiCalls);
                }
                catch (Exception e) when (e is ResourceActionException or OperationCanceledException or InvalidOperationException)
                {
                    bool cancelled = e is OperationCanceledException;
                    string reason = cancelled ? "Cancelled by the operator during restore; the resource may be partly in service. Start it again, or stop it." : e.Message;
                    // A node that lost the record to another node of its cluster stands down: out of service, unimpaired.
                    SetState(t, e is OwnershipLostException ? ResourceState.OSU : ResourceState.OSF, reason);
                    int calls = (e as ResourceActionException)?.ApiCalls ?? 0;
                    steps.Add(new HaStep { Tag = t, Action = "restore", Outcome = cancelled ? "cancelled" : "failed", Message = reason, Duration = watch.Elapsed, ApiCalls = calls });
                    Record(t, "restore", cancelled ? "cancelled" : e is OwnershipLostException ? "lost" : "failed", reason, watch.Elapsed, calls);
                    await RollBackAsync(restored, state, tunables, options, steps);
                    if (cancelled) throw;
                    return Report("start", tag, false, $"'{t}' failed to come in service: {reason}", total.Elapsed, steps, order);
                }
            }
            return Report("start", tag, true, $"'{tag}' is in service on '{state.NodeName}' ({order.Count} resource(s)).", total.Elapsed, steps, order);
        }
        finally
        {
            Release(order);
        }
    }

    private async Task RollBackAsync(List<string> restored, NodeState state, TunableSet tunables, OperationOptions options, List<HaStep> steps)
    {
        // Undo, parents first, only what this operation brought in service, even after Ctrl+C (bounded in time).
        using var limit = new CancellationTokenSource(tunables.Seconds("SERVICE_COMMAND_TIMEOUT") + TimeSpan.FromSeconds(30));
        foreach (var t in Enumerable.Reverse(restored))
        {
            var r = _store.Read().Find(t);
            if (r is null) continue;
            var watch = Stopwatch.StartNew();
            try
            {
                var result = await _kits[r.Kind].RemoveAsync(Context(state, r, tunables, options), limit.Token);
                SetState(t, ResourceState.OSU, "rolled back after a failed start");
                steps.Add(new HaStep { Tag = t, Action = "rollback", Outcome = "success", Message = result.Message, Duration = watch.Elapsed });
                Record(t, "rollback", "success", result.Message, watch.Elapsed);
            }
            catch (Exception e) when (e is ResourceActionException or OperationCanceledException)
            {
                SetState(t, ResourceState.OSF, "rollback failed: " + e.Message);
                steps.Add(new HaStep { Tag = t, Action = "rollback", Outcome = "failed", Message = e.Message, Duration = watch.Elapsed });
                Record(t, "rollback", "failed", e.Message, watch.Elapsed);
            }
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
        var tunables = _tunables();
        var snapshot = _store.Read();
        string target = Require(snapshot, tag).Tag;
        var order = RemoveOrder(snapshot, target);
        if (wholeHierarchy)
            foreach (var below in Enumerable.Reverse(RestoreOrder(snapshot, target)))
                if (!order.Contains(below, StringComparer.OrdinalIgnoreCase)) order.Add(below);
        var total = Stopwatch.StartNew();
        var steps = new List<HaStep>();
        var state = Lease(order, "remove");
        try
        {
            foreach (var t in order)
            {
                var status = state.StatusOf(t, state.NodeName);
                if (status.State is ResourceState.OSU)
                {
                    steps.Add(new HaStep { Tag = t, Action = "remove", Outcome = "skipped", Message = "already out of service" });
                    continue;
                }
                var r = state.Find(t)!;
                options.Log?.Invoke($"{t}: removing ({r.Kind}).");
                var watch = Stopwatch.StartNew();
                try
                {
                    var result = await _kits[r.Kind].RemoveAsync(Context(state, r, tunables, options), cancellationToken);
                    SetState(t, ResourceState.OSU, "taken out of service");
                    steps.Add(new HaStep { Tag = t, Action = "remove", Outcome = "success", Message = result.Message, Duration = watch.Elapsed });
                    Record(t, "remove", "success", result.Message, watch.Elapsed);
                }
                catch (Exception e) when (e is ResourceActionException or OperationCanceledException or InvalidOperationException)
                {
                    bool cancelled = e is OperationCanceledException;
                    string reason = cancelled ? "Cancelled by the operator during remove; check the resource and stop it again." : e.Message;
                    SetState(t, ResourceState.OSF, reason);
                    steps.Add(new HaStep { Tag = t, Action = "remove", Outcome = cancelled ? "cancelled" : "failed", Message = reason, Duration = watch.Elapsed });
                    Record(t, "remove", cancelled ? "cancelled" : "failed", reason, watch.Elapsed);
                    if (cancelled) throw;
                    return Report("stop", tag, false, $"'{t}' failed to go out of service: {reason}", total.Elapsed, steps, order);
                }
            }
            return Report("stop", tag, true, $"'{tag}' is out of service on '{state.NodeName}' ({order.Count} resource(s)).", total.Elapsed, steps, order);
        }
        finally
        {
            Release(order);
        }
    }

    private HaOperationResult Report(string operation, string tag, bool ok, string message, TimeSpan duration, List<HaStep> steps, List<string> order)
    {
        var state = _store.Read();
        return new HaOperationResult
        {
            Operation = operation,
            Tag = state.Find(tag)?.Tag ?? tag,
            Node = state.NodeName,
            Succeeded = ok,
            Message = message,
            Duration = duration,
            Steps = steps,
            Resources = order.Select(t => state.Find(t)).Where(r => r is not null).Select(r => View(state, r!)).ToList(),
        };
    }

    // ---- checks ----------------------------------------------------------------------------------------------

    /// <summary>
    /// quickChecks the in-service resources (all, or <paramref name="tags"/>), route53 ones zone by zone, and with
    /// <paramref name="recover"/> runs local recovery on each failure. An "unknown" answer is logged and changes nothing.
    /// </summary>
    public async Task<IReadOnlyList<HaCheckResult>> CheckAsync(IEnumerable<string>? tags, bool recover, OperationOptions options, CancellationToken cancellationToken)
    {
        var tunables = _tunables();
        var state = _store.Read();
        var candidates = (tags is null ? state.Resources : tags.Select(t => Require(state, t)))
            .Where(r => state.StatusOf(r.Tag, state.NodeName).State is ResourceState.ISP or ResourceState.ISU)
            .ToList();
        var watch = Stopwatch.StartNew();
        var results = new List<HaCheckResult>();
        int cycleCalls = 0;
        var raw = new Dictionary<string, CheckResult>(StringComparer.OrdinalIgnoreCase);
        var busy = candidates.Where(r => state.StatusOf(r.Tag, state.NodeName) is { BusyPid: { } pid } && pid != Environment.ProcessId && StateStore.ProcessAlive(pid)).ToList();
        foreach (var r in busy) raw[r.Tag] = new CheckResult(CheckOutcome.Unknown, $"busy: {state.StatusOf(r.Tag, state.NodeName).BusyAction}; not checked now.");
        candidates = candidates.Except(busy).ToList();

        foreach (var byKind in candidates.GroupBy(r => r.Kind))
        {
            var kit = _kits[byKind.Key];
            var contexts = byKind.Select(r => Context(state, r, tunables, options)).ToList();
            if (kit is IBatchCheckKit batch)
            {
                var outcome = await batch.QuickCheckManyAsync(contexts, cancellationToken);
                cycleCalls += outcome.ApiCalls;
                foreach (var (t, c) in outcome.Results) raw[t] = c;
            }
            else
            {
                foreach (var c in contexts) raw[c.Tag] = await kit.QuickCheckAsync(c, cancellationToken);
            }
        }

        foreach (var r in candidates.Concat(busy))
        {
            var check = raw[r.Tag];
            bool? recovered = null;
            string message = check.Message;
            var status = state.StatusOf(r.Tag, state.NodeName);
            var newState = status.State;
            switch (check.Outcome)
            {
                case CheckOutcome.Healthy:
                    // A healthy check is news only when it ends a failure; the cycle's summary event counts the rest.
                    if (status.State == ResourceState.ISU)
                    {
                        newState = ResourceState.ISP;
                        SetState(r.Tag, newState, "quickCheck healthy again");
                        Record(r.Tag, "quickCheck", "healthy", check.Message + " (healthy again)", null, check.ApiCalls);
                    }
                    break;
                case CheckOutcome.Unknown:
                    Record(r.Tag, "quickCheck", "unknown", check.Message + " No recovery: an API outage is not a resource failure.", null, check.ApiCalls);
                    break;
                case CheckOutcome.Failed when recover:
                    Record(r.Tag, "quickCheck", "failed", check.Message, null, check.ApiCalls);
                    (recovered, message, newState) = await RecoverOneAsync(r, check, tunables, options, cancellationToken);
                    break;
                case CheckOutcome.Failed:
                    newState = ResourceState.ISU;
                    SetState(r.Tag, newState, "quickCheck failed: " + check.Message);
                    Record(r.Tag, "quickCheck", "failed", check.Message + " (no recovery requested)", null, check.ApiCalls);
                    break;
            }
            results.Add(new HaCheckResult
            {
                Tag = r.Tag,
                Kind = r.Kind,
                Node = state.NodeName,
                Outcome = check.Outcome,
                Message = message,
                Recovered = recovered,
                State = newState,
                ApiCalls = check.ApiCalls,
                CycleApiCalls = cycleCalls,
                Duration = watch.Elapsed,
                Time = Time.GetUtcNow(),
            });
        }
        if (results.Count > 0)
        {
            int failed = results.Count(r => r.Outcome == CheckOutcome.Failed), unknown = results.Count(r => r.Outcome == CheckOutcome.Unknown);
            Record(null, "quickCheck", failed > 0 ? "failed" : unknown > 0 ? "unknown" : "healthy",
                $"Checked {results.Count} resource(s): {results.Count - failed - unknown} healthy, {failed} failed, {unknown} unknown; {cycleCalls} Route 53 call(s).",
                watch.Elapsed, cycleCalls);
        }
        return results;
    }

    private async Task<(bool Recovered, string Message, ResourceState State)> RecoverOneAsync(
        ResourceDefinition r, CheckResult check, TunableSet tunables, OperationOptions options, CancellationToken cancellationToken)
    {
        var state = Lease(new[] { r.Tag }, "recover");
        var watch = Stopwatch.StartNew();
        try
        {
            options.Log?.Invoke($"{r.Tag}: quickCheck failed ({check.Message}); recovering.");
            var result = await _kits[r.Kind].RecoverAsync(Context(state, r, tunables, options), cancellationToken);
            SetState(r.Tag, ResourceState.ISP, "recovered: " + result.Message);
            Record(r.Tag, "recover", "success", result.Message, watch.Elapsed, result.ApiCalls);
            return (true, $"{check.Message} Recovered: {result.Message}", ResourceState.ISP);
        }
        catch (Exception e) when (e is ResourceActionException or InvalidOperationException)
        {
            var failedState = e is OwnershipLostException ? ResourceState.OSU : ResourceState.OSF;
            SetState(r.Tag, failedState, "recovery failed: " + e.Message);
            Record(r.Tag, "recover", e is OwnershipLostException ? "lost" : "failed", e.Message, watch.Elapsed, (e as ResourceActionException)?.ApiCalls);
            return (false, $"{check.Message} Recovery failed: {e.Message}", failedState);
        }
        finally
        {
            Release(new[] { r.Tag });
        }
    }
}

internal static class FluentExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
