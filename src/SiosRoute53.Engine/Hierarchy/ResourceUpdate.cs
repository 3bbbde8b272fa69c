using System.Globalization;
using System.Net;
using SiosRoute53.Model;
using SiosRoute53.Route53;

namespace SiosRoute53.Hierarchy;

/// <summary>
/// What Set-HaResource changes in a resource's definition; null leaves a setting as it is. Zone, record and TTL are
/// a route53 resource's; the commands and unit a service resource's; the address is an ip resource's on one node;
/// the priority is the whole hierarchy's on one node (as Expand-HaResource sets it).
/// </summary>
public sealed record ResourceUpdate
{
    public required string Tag { get; init; }

    /// <summary>The node whose own settings (address, priority) change; this node when null.</summary>
    public string? Node { get; init; }

    public string? HostedZoneId { get; init; }
    public string? ZoneName { get; init; }
    public string? RecordName { get; init; }
    public long? Ttl { get; init; }
    public string? StartCommand { get; init; }
    public string? StopCommand { get; init; }
    public string? CheckCommand { get; init; }
    public string? SystemdUnit { get; init; }
    public IPAddress? Address { get; init; }
    public int? Priority { get; init; }
}

/// <summary>One setting a change touches: where, from what to what, and when it takes effect.</summary>
public sealed record SettingChange(string Tag, string Setting, string? Node, string? OldValue, string? NewValue, string TakesEffect)
{
    public override string ToString() =>
        $"{Tag}: {Setting}{(Node is null ? "" : $" on '{Node}'")} {OldValue ?? "(none)"} → {NewValue ?? "(none)"} ({TakesEffect})";
}

/// <summary>Which nodes have which resources in service: this node from its state, the others as their agents answered (null: did not answer).</summary>
public sealed record InServiceView(IReadOnlyDictionary<string, IReadOnlyCollection<string>?> Elsewhere)
{
    public static InServiceView LocalOnly { get; } = new(new Dictionary<string, IReadOnlyCollection<string>?>());

    /// <summary>True in service, false out of service, null cannot tell (the node's agent did not answer).</summary>
    public bool? IsInService(NodeState state, string tag, string node)
    {
        if (node.Equals(state.NodeName, StringComparison.OrdinalIgnoreCase))
        {
            var status = state.StatusOf(tag, node);
            return status.State is ResourceState.ISP or ResourceState.ISU || Leases.HeldByOther(status);
        }
        return Elsewhere.TryGetValue(node, out var tags) ? tags?.Contains(tag, StringComparer.OrdinalIgnoreCase) : null;
    }
}

/// <summary>The result of Set-HaResource: the changes (each with when it takes effect) and the resources as they are now.</summary>
public sealed class HaResourceUpdate
{
    public required string Tag { get; init; }
    public required IReadOnlyList<SettingChange> Changes { get; init; }
    public IReadOnlyList<HaResource> Resources { get; init; } = Array.Empty<HaResource>();
    public bool Applied { get; init; }
    public override string ToString() => Changes.Count == 0 ? $"{Tag}: nothing to change" : string.Join("; ", Changes);
}

/// <summary>
/// Decides a change to a resource's definition, pure: which settings change, whether each is safe now, and when it
/// takes effect. A zone or record name change while the record is ours in service anywhere is refused (the old
/// record would keep pointing at a node nothing maintains it for); so is a node's address while its hierarchy is in
/// service on that node (the record holds the old address), and a service's systemd unit while it runs (the next stop
/// would stop another unit). TTL, priority and commands change at once and say when they take effect.
/// </summary>
public static class ResourceUpdatePlanner
{
    public static (IReadOnlyList<ResourceDefinition> Updated, IReadOnlyList<SettingChange> Changes) Plan(NodeState state, ResourceUpdate update, InServiceView inService)
    {
        var r = HierarchyServices.Require(state, update.Tag);
        string node = update.Node ?? state.NodeName;
        var changes = new List<SettingChange>();
        var shared = new Dictionary<string, string>(r.Settings, StringComparer.Ordinal);
        var nodes = r.Nodes.ToDictionary(n => n.Key, n => n.Value, StringComparer.OrdinalIgnoreCase);

        RequireKind(r, ResourceKind.Route53, ("HostedZoneId", update.HostedZoneId ?? update.ZoneName), ("RecordName", update.RecordName), ("Ttl", update.Ttl?.ToString()));
        RequireKind(r, ResourceKind.Service, ("StartCommand", update.StartCommand), ("StopCommand", update.StopCommand), ("CheckCommand", update.CheckCommand), ("SystemdUnit", update.SystemdUnit));
        RequireKind(r, ResourceKind.Ip, ("Address", update.Address?.ToString()));
        if ((update.Address is not null || update.Priority is not null) && !r.Nodes.ContainsKey(node))
            throw new HaArgumentException($"'{r.Tag}' is not extended to node '{node}' (it is on {string.Join(", ", r.Nodes.Keys.Select(n => $"'{n}'"))}). Extend it there with Expand-HaResource.", node);

        var everywhere = r.Nodes.Keys.ToList();
        var hierarchy = HierarchyGraph.Of(state).WholeHierarchyRemoveOrder(r.Tag);
        void RefuseInService(IEnumerable<string> where, string tag, string what, string way)
        {
            foreach (var n in where)
                switch (inService.IsInService(state, tag, n))
                {
                    case true:
                        throw new HaArgumentException($"'{r.Tag}' is in service on '{n}': {what}. {way}", r.Tag);
                    case null:
                        throw new HaArgumentException($"Cannot tell whether '{n}' has '{r.Tag}' in service (its agent did not answer): {what}. Make sure it is out of service there (or '{n}' is reachable) and try again.", r.Tag);
                }
        }
        string Stop(string tag) => $"Take it out of service first (Stop-HaResource {tag}), change it, then bring it back (Start-HaResource {RootOf(state, tag)}).";

        // route53: zone and name move the record; the TTL is written with it.
        if (r.Kind == ResourceKind.Route53)
        {
            if (update.HostedZoneId is not null && update.ZoneName is null)
                throw new InvalidOperationException("A zone change needs the zone's id and name (the cmdlet looks the zone up).");
            bool zoneChanges = update.HostedZoneId is not null && update.HostedZoneId != shared.GetValueOrDefault(SettingKeys.HostedZoneId);
            string? record = update.RecordName is null ? null : DnsNames.Normalize(update.RecordName);
            bool nameChanges = record is not null && !DnsNames.Equal(record, shared.GetValueOrDefault(SettingKeys.RecordName) ?? "");
            if (zoneChanges || nameChanges)
            {
                string oldName = shared.GetValueOrDefault(SettingKeys.RecordName) ?? "";
                RefuseInService(everywhere, r.Tag,
                    $"changing its {(zoneChanges ? "hosted zone" : "record name")} would leave {oldName} pointing at that node with nothing keeping it, while the new record is not written until the next start",
                    Stop(r.Tag));
            }
            if (zoneChanges)
            {
                changes.Add(new SettingChange(r.Tag, "HostedZone", null, $"{shared.GetValueOrDefault(SettingKeys.ZoneName)} ({shared.GetValueOrDefault(SettingKeys.HostedZoneId)})",
                    $"{update.ZoneName} ({update.HostedZoneId})", "at the next start: the record is written in the new zone"));
                shared[SettingKeys.HostedZoneId] = update.HostedZoneId!;
                shared[SettingKeys.ZoneName] = update.ZoneName!;
            }
            if (nameChanges)
            {
                changes.Add(new SettingChange(r.Tag, "RecordName", null, shared.GetValueOrDefault(SettingKeys.RecordName), record,
                    "at the next start: the new name is written; the old record and its mark stay until you delete them"));
                shared[SettingKeys.RecordName] = record!;
            }
            if (update.Ttl is { } ttl && shared.GetValueOrDefault(SettingKeys.Ttl) != ttl.ToString(CultureInfo.InvariantCulture))
            {
                bool running = everywhere.Any(n => inService.IsInService(state, r.Tag, n) != false);
                changes.Add(new SettingChange(r.Tag, "Ttl", null, shared.GetValueOrDefault(SettingKeys.Ttl) ?? "(ROUTE53_TTL)", ttl.ToString(CultureInfo.InvariantCulture),
                    running ? "when the record is next written (a switchover, a failover or a start); it keeps its TTL until then" : "at the next start"));
                shared[SettingKeys.Ttl] = ttl.ToString(CultureInfo.InvariantCulture);
            }
        }

        // service: commands are read at each start, stop and check; a different unit is another service.
        if (r.Kind == ResourceKind.Service)
        {
            bool running = everywhere.Any(n => inService.IsInService(state, r.Tag, n) != false);
            void Command(string key, string? value, string whenRunning, string whenStopped)
            {
                if (value is null || value == (shared.GetValueOrDefault(key) ?? "")) return;
                changes.Add(new SettingChange(r.Tag, key, null, shared.GetValueOrDefault(key), value.Length == 0 ? null : value, running ? whenRunning : whenStopped));
                if (value.Length == 0) shared.Remove(key); else shared[key] = value;
            }
            if (update.SystemdUnit is { } unit && unit != (shared.GetValueOrDefault(SettingKeys.SystemdUnit) ?? ""))
                RefuseInService(everywhere, r.Tag, $"changing its systemd unit from '{shared.GetValueOrDefault(SettingKeys.SystemdUnit)}' to '{unit}' while it runs: the next stop would stop a unit that is not running",
                    Stop(r.Tag));
            Command(SettingKeys.SystemdUnit, update.SystemdUnit, "", "at the next start");
            Command(SettingKeys.StartCommand, update.StartCommand, "at the next start (the running service is not restarted)", "at the next start");
            Command(SettingKeys.StopCommand, update.StopCommand, "at the next stop, which runs it (it must stop what the current start command started)", "at the next stop");
            Command(SettingKeys.CheckCommand, update.CheckCommand, "at the next check", "at the next check after a start");
        }

        // ip: the node's own address, which the record publishes while the hierarchy is in service there.
        if (update.Address is { } address)
        {
            var instance = nodes[node];
            string? old = instance.Settings.GetValueOrDefault(SettingKeys.Address);
            if (old != address.ToString())
            {
                RefuseInService(new[] { node }, r.Tag, $"the record holds its address {old} there and would keep it",
                    $"Switch the hierarchy over to another node first (Invoke-Switchover {RootOf(state, r.Tag)}), or take it out of service there; then change the address.");
                nodes[node] = instance with { Settings = new Dictionary<string, string>(instance.Settings, StringComparer.Ordinal) { [SettingKeys.Address] = address.ToString() } };
                changes.Add(new SettingChange(r.Tag, "Address", node, old, address.ToString(), $"at the next start on '{node}'"));
            }
        }

        var updated = new List<ResourceDefinition> { r with { Settings = shared, Nodes = nodes } };

        // priority: the whole hierarchy's on that node, as Expand-HaResource sets it.
        if (update.Priority is { } priority)
        {
            foreach (var tag in hierarchy)
            {
                var member = tag.Equals(r.Tag, StringComparison.OrdinalIgnoreCase) ? updated[0] : HierarchyServices.Require(state, tag);
                if (!member.Nodes.TryGetValue(node, out var inst) || inst.Priority == priority) continue;
                changes.Add(new SettingChange(member.Tag, "Priority", node, inst.Priority.ToString(CultureInfo.InvariantCulture), priority.ToString(CultureInfo.InvariantCulture),
                    "at once: the next failover, and a switchover without -ToNode, choose by it"));
                var changed = member with { Nodes = new Dictionary<string, NodeInstance>(member.Nodes, StringComparer.OrdinalIgnoreCase) { [node] = inst with { Priority = priority } } };
                if (member.Tag.Equals(r.Tag, StringComparison.OrdinalIgnoreCase)) updated[0] = changed;
                else updated.Add(changed);
            }
        }

        if (r.Kind == ResourceKind.Route53 && RecordClaims.ConflictFor(state, updated[0]) is { } conflict)
            throw new HaArgumentException(conflict, updated[0].Settings.GetValueOrDefault(SettingKeys.RecordName));
        return (changes.Count == 0 ? Array.Empty<ResourceDefinition>() : updated, changes);
    }

    private static string RootOf(NodeState state, string tag) => HierarchyGraph.Of(state).RootsAbove(tag).FirstOrDefault() ?? tag;

    private static void RequireKind(ResourceDefinition r, ResourceKind kind, params (string Name, string? Value)[] settings)
    {
        if (r.Kind == kind) return;
        if (settings.FirstOrDefault(s => s.Value is not null) is { Name: { } name })
            throw new HaArgumentException($"-{name} is a setting of {kind.ToString().ToLowerInvariant()} resources; '{r.Tag}' is a {r.Kind.ToString().ToLowerInvariant()} resource.", r.Tag);
    }
}

/// <summary>
/// One resource per record: two route53 resources managing the same name in the same hosted zone would both come in
/// service, both report healthy, and flip the ownership mark between them.
/// </summary>
public static class RecordClaims
{
    /// <summary>Null when no other route53 resource of <paramref name="state"/> manages <paramref name="candidate"/>'s record; else why not, and what to do.</summary>
    public static string? ConflictFor(NodeState state, ResourceDefinition candidate, IEnumerable<ResourceDefinition>? alsoNew = null)
    {
        if (candidate.Kind != ResourceKind.Route53) return null;
        string? zone = candidate.Settings.GetValueOrDefault(SettingKeys.HostedZoneId);
        string? name = candidate.Settings.GetValueOrDefault(SettingKeys.RecordName);
        if (zone is null || name is null) return null;
        var other = state.Resources.Concat(alsoNew ?? Array.Empty<ResourceDefinition>())
            .Where(r => r.Kind == ResourceKind.Route53 && !r.Tag.Equals(candidate.Tag, StringComparison.OrdinalIgnoreCase))
            .FirstOrDefault(r => r.Settings.GetValueOrDefault(SettingKeys.HostedZoneId) == zone && DnsNames.Equal(r.Settings.GetValueOrDefault(SettingKeys.RecordName) ?? "", name));
        return other is null ? null
            : $"Record {DnsNames.Normalize(name)} in hosted zone {candidate.Settings.GetValueOrDefault(SettingKeys.ZoneName)} ({zone}) is already managed by route53 resource '{other.Tag}'; " +
              $"two resources cannot manage one record (both would come in service and take the record from each other). Use '{other.Tag}', or give another record name.";
    }
}
