using System.Text.RegularExpressions;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Hierarchy;

/// <summary>
/// The resource definitions of a node and their dependencies: creating, joining, separating and removing them,
/// each checked by the resource's kit and refused with a clear error that changes nothing.
/// </summary>
internal sealed partial class ResourceCatalog(HierarchyServices services)
{
    private StateStore Store => services.Store;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex TagPattern();

    public static string? ValidateTag(string tag) =>
        TagPattern().IsMatch(tag ?? "") ? null : $"Tag '{tag}' is not valid: use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit.";

    public async Task<HaResource> CreateAsync(ResourceDefinition definition, IReadOnlyList<string> children, CancellationToken cancellationToken)
    {
        if (ValidateTag(definition.Tag) is { } bad) throw new HaArgumentException(bad, definition.Tag);
        var state = Store.Read();
        CheckNewTag(state, definition.Tag);
        var kit = services.Kits.For(definition.Kind);
        var childDefinitions = children.Select(c => HierarchyServices.Require(state, c)).ToDictionary(c => c.Tag, StringComparer.OrdinalIgnoreCase);
        string node = state.NodeName.Length == 0 ? StateStore.DefaultNodeName() : state.NodeName;
        definition = definition with
        {
            Created = services.Time.GetUtcNow(),
            Nodes = definition.Nodes.Count > 0 ? definition.Nodes : new(StringComparer.OrdinalIgnoreCase) { [node] = new NodeInstance() },
        };
        await kit.ValidateAsync(services.Context(state, definition, services.LoadTunables(), new OperationOptions(), childDefinitions), cancellationToken);

        if (RecordClaims.ConflictFor(state, definition) is { } claimed) throw new HaArgumentException(claimed, definition.Tag);

        var created = Store.Update(current =>
        {
            CheckNewTag(current, definition.Tag);
            if (RecordClaims.ConflictFor(current, definition) is { } taken) throw new HaArgumentException(taken, definition.Tag);
            foreach (var c in children) HierarchyServices.Require(current, c);
            var next = (current with
            {
                NodeName = current.NodeName.Length == 0 ? StateStore.DefaultNodeName() : current.NodeName,
                Resources = current.Resources.Append(definition).ToList(),
                Dependencies = current.Dependencies.Concat(children.Select(c => new Dependency(definition.Tag, HierarchyServices.Require(current, c).Tag))).ToList(),
            }).ConfigChanged();
            next = next.WithStatus(new ResourceStatus { Tag = definition.Tag, Node = next.NodeName, State = ResourceState.OSU, Since = services.Time.GetUtcNow(), Reason = StepKind.CreatedReason });
            return (next, services.View(next, definition));
        });
        services.Events.Record(created.Tag, EventActions.Create, EventOutcomes.Success, $"Created {definition.Kind} resource '{definition.Tag}': {created.Detail}.");
        return created;
    }

    public async Task ValidateExtensionAsync(IReadOnlyList<ResourceDefinition> resources, IReadOnlyDictionary<string, List<string>> children, string node, CancellationToken cancellationToken)
    {
        var state = Store.Read() with { NodeName = node };
        var tunables = services.LoadTunables();
        var byTag = resources.ToDictionary(r => r.Tag, StringComparer.OrdinalIgnoreCase);
        foreach (var r in resources)
        {
            var kids = (children.TryGetValue(r.Tag, out var c) ? c : new List<string>())
                .Select(t => byTag.TryGetValue(t, out var d) ? d : HierarchyServices.Require(state, t))
                .ToDictionary(d => d.Tag, StringComparer.OrdinalIgnoreCase);
            await services.Kits.For(r.Kind).ValidateAsync(services.Context(state, r, tunables, new OperationOptions(), kids), cancellationToken);
        }
    }

    /// <summary>
    /// Changes a resource's definition (see <see cref="ResourceUpdatePlanner"/>): each changed resource is checked by
    /// its kit (a node's new address on that node: here by this node's kit, elsewhere by <paramref name="validateOn"/>),
    /// then the change is decided again under the store lock and committed like every configuration change: on a
    /// cluster member it is stored only when a majority of the members stored it. With <paramref name="apply"/> false
    /// (-WhatIf) it is checked and described but nothing changes.
    /// </summary>
    public async Task<HaResourceUpdate> UpdateAsync(ResourceUpdate update, InServiceView inService, Func<ResourceDefinition, string, CancellationToken, Task>? validateOn,
        bool apply, CancellationToken cancellationToken)
    {
        var state = Store.Read();
        services.Saw(state);
        var (updated, changes) = ResourceUpdatePlanner.Plan(state, update, inService);
        string tag = HierarchyServices.Require(state, update.Tag).Tag;
        if (changes.Count == 0)
            return new HaResourceUpdate { Tag = tag, Changes = changes, Resources = new[] { services.View(state, state.Find(tag)!) } };

        string node = update.Node ?? state.NodeName;
        var tunables = services.LoadTunables();
        foreach (var d in updated.Where(d => changes.Any(c => c.Tag == d.Tag && c.Setting != "Priority")))
        {
            bool elsewhere = d.Kind == ResourceKind.Ip && !node.Equals(state.NodeName, StringComparison.OrdinalIgnoreCase);
            if (elsewhere)
            {
                if (validateOn is null)
                    throw new HaArgumentException($"'{node}' must check its own new address for '{d.Tag}', and this node cannot ask it (no cluster). Run Set-HaResource on '{node}'.", node);
                await validateOn(d, node, cancellationToken);
            }
            else
                await services.Kits.For(d.Kind).ValidateAsync(services.Context(state with { NodeName = node }, d, tunables, new OperationOptions()), cancellationToken);
        }
        if (!apply)
            return new HaResourceUpdate { Tag = tag, Changes = changes, Resources = updated.Select(d => services.View(state, d)).ToList() };

        var views = Store.Update(current =>
        {
            var (again, _) = ResourceUpdatePlanner.Plan(current, update, inService);
            var byTag = again.ToDictionary(d => d.Tag, StringComparer.OrdinalIgnoreCase);
            var next = (current with { Resources = current.Resources.Select(r => byTag.GetValueOrDefault(r.Tag) ?? r).ToList() }).ConfigChanged();
            return (next, again.Select(d => services.View(next, d)).ToList());
        });
        services.Events.Record(tag, EventActions.Update, EventOutcomes.Success, $"Changed '{tag}': {string.Join("; ", changes)}.");
        return new HaResourceUpdate { Tag = tag, Changes = changes, Resources = views, Applied = true };
    }

    /// <summary>
    /// Adds the resources and dependencies of <paramref name="document"/> as one configuration change (committed like
    /// every other: on a cluster member, only when a majority stored it), each checked by its kit on this node and a
    /// node's own address on that node (<paramref name="validateOn"/>). Refused as a whole when anything conflicts.
    /// With <paramref name="apply"/> false (-WhatIf) it is checked and described, and nothing changes.
    /// </summary>
    public async Task<IReadOnlyList<HaResource>> ImportAsync(ConfigurationDocument document, Func<ResourceDefinition, string, CancellationToken, Task>? validateOn,
        bool apply, CancellationToken cancellationToken)
    {
        var state = Store.Read();
        services.Saw(state);
        var (resources, dependencies) = ConfigurationTransfer.PlanImport(state, document, services.Kits);
        var merged = state with { Resources = state.Resources.Concat(resources).ToList(), Dependencies = state.Dependencies.Concat(dependencies).ToList() };
        var tunables = services.LoadTunables();
        foreach (var r in resources)
            foreach (var node in r.Nodes.Keys)
            {
                if (node.Equals(state.NodeName, StringComparison.OrdinalIgnoreCase))
                    await services.Kits.For(r.Kind).ValidateAsync(services.Context(merged, r, tunables, new OperationOptions()), cancellationToken);
                else if (r.Kind == ResourceKind.Ip)
                {
                    if (validateOn is null)
                        throw new HaArgumentException($"'{node}' must check its own address for '{r.Tag}', and this node cannot ask it. Import on a node of the cluster whose agents run.", node);
                    await validateOn(r, node, cancellationToken);
                }
            }
        if (!apply) return resources.Select(r => services.View(merged, r)).ToList();

        var now = services.Time.GetUtcNow();
        var views = Store.Update(current =>
        {
            var (adding, joining) = ConfigurationTransfer.PlanImport(current, document, services.Kits);
            adding = adding.Select(r => r with { Created = now }).ToList();
            var next = (current with
            {
                Resources = current.Resources.Concat(adding).ToList(),
                Dependencies = current.Dependencies.Concat(joining).ToList(),
            }).ConfigChanged();
            foreach (var r in adding)
                next = next.WithStatus(new ResourceStatus { Tag = r.Tag, Node = next.NodeName, State = ResourceState.OSU, Since = now, Reason = StepKind.CreatedReason });
            return (next, adding.Select(r => services.View(next, r)).ToList());
        });
        services.Events.Record(null, EventActions.Import, EventOutcomes.Success,
            $"Imported {views.Count} resource(s) ({string.Join(", ", views.Select(v => v.Tag))}) and {dependencies.Count} dependency(ies) exported from '{document.Node}' of cluster '{document.Cluster}' on {document.Exported:u}.");
        return views;
    }

    private static void CheckNewTag(NodeState state, string tag)
    {
        if (state.Find(tag) is { } existing)
            throw new HaArgumentException($"A resource with tag '{existing.Tag}' already exists ({existing.Kind}). Choose another tag, or remove that resource first.", tag);
    }

    private static bool InService(ResourceState s) => s is ResourceState.ISP or ResourceState.ISU;

    public HaResource AddDependency(string parent, string child)
    {
        var view = Store.Update(state =>
        {
            var p = HierarchyServices.Require(state, parent);
            var c = HierarchyServices.Require(state, child);
            if (p.Tag.Equals(c.Tag, StringComparison.OrdinalIgnoreCase))
                throw new HaArgumentException($"A resource cannot depend on itself ('{p.Tag}').", parent);
            if (state.ChildrenOf(p.Tag).Contains(c.Tag, StringComparer.OrdinalIgnoreCase))
                throw new HaArgumentException($"'{p.Tag}' already depends on '{c.Tag}'.", child);
            if (HierarchyGraph.Of(state).Descendants(c.Tag).Contains(p.Tag, StringComparer.OrdinalIgnoreCase))
                throw new HaArgumentException($"'{p.Tag}' cannot depend on '{c.Tag}': '{c.Tag}' already depends on '{p.Tag}' (directly or through others), which would make a cycle.", child);
            if (InService(state.StatusOf(p.Tag, state.NodeName).State) && !InService(state.StatusOf(c.Tag, state.NodeName).State))
                throw new HaArgumentException($"'{p.Tag}' is in service but '{c.Tag}' is not; bring '{c.Tag}' in service first (a parent needs its children).", child);
            var next = (state with { Dependencies = state.Dependencies.Append(new Dependency(p.Tag, c.Tag)).ToList() }).ConfigChanged();
            return (next, services.View(next, p));
        });
        services.Events.Record(view.Tag, EventActions.Dependency, EventOutcomes.Success, $"'{parent}' now depends on '{child}'.");
        return view;
    }

    public HaResource RemoveDependency(string parent, string child)
    {
        var view = Store.Update(state =>
        {
            var p = HierarchyServices.Require(state, parent);
            var c = HierarchyServices.Require(state, child);
            var existing = state.Dependencies.FirstOrDefault(d => d.Parent.Equals(p.Tag, StringComparison.OrdinalIgnoreCase) && d.Child.Equals(c.Tag, StringComparison.OrdinalIgnoreCase))
                ?? throw new HaArgumentException($"'{p.Tag}' does not depend on '{c.Tag}'. Its children: {string.Join(", ", state.ChildrenOf(p.Tag).DefaultIfEmpty("none"))}.", child);
            if (services.Kits.For(p.Kind).RequiredChildren(p, state.NodeName).Contains(c.Tag, StringComparer.OrdinalIgnoreCase))
                throw new HaArgumentException($"{p.Kind} resource '{p.Tag}' cannot work without '{c.Tag}'; that dependency cannot be removed. Remove '{p.Tag}' instead.", child);
            var next = (state with { Dependencies = state.Dependencies.Where(d => d != existing).ToList() }).ConfigChanged();
            return (next, services.View(next, p));
        });
        services.Events.Record(view.Tag, EventActions.Dependency, EventOutcomes.Success, $"'{parent}' no longer depends on '{child}'.");
        return view;
    }

    public void Remove(string tag)
    {
        string removed = Store.Update(state =>
        {
            var r = HierarchyServices.Require(state, tag);
            var status = state.StatusOf(r.Tag, state.NodeName);
            if (InService(status.State))
                throw new HaArgumentException($"'{r.Tag}' is in service ({status.State}) on '{state.NodeName}'. Take it out of service first: Stop-HaResource {r.Tag}.", tag);
            if (Leases.HeldByOther(status))
                throw new ResourceBusyException($"'{r.Tag}' is busy ({status.BusyAction} by process {status.BusyPid}); try again when it has finished.");
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
        services.Events.Record(removed, EventActions.RemoveResource, EventOutcomes.Success, $"Resource '{removed}' removed.");
    }
}
