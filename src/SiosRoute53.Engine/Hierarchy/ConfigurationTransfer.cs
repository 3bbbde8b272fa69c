using System.Text.Json;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Hierarchy;

/// <summary>
/// Resource definitions and dependencies as a JSON document, for a backup or for cloning a hierarchy: what
/// Export-HaConfiguration writes and Import-HaConfiguration reads. It holds definitions only: no states, no cluster
/// members, no cluster key and no credentials (a route53 resource keeps access settings, never keys).
/// </summary>
public sealed record ConfigurationDocument
{
    public const string FormatName = "SiosRoute53.Configuration";
    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = CurrentVersion;
    public DateTimeOffset Exported { get; init; }
    public string Cluster { get; init; } = "";
    public string Node { get; init; } = "";
    public List<ResourceDefinition> Resources { get; init; } = new();
    public List<Dependency> Dependencies { get; init; } = new();

    public string ToJson() => JsonSerializer.Serialize(this, StateStore.Json);

    /// <summary>Reads a document; throws <see cref="HaArgumentException"/> naming <paramref name="source"/> when it is not one.</summary>
    public static ConfigurationDocument FromJson(string json, string source)
    {
        ConfigurationDocument? document;
        try { document = JsonSerializer.Deserialize<ConfigurationDocument>(json, StateStore.Json); }
        catch (JsonException e)
        {
            throw new HaArgumentException($"'{source}' is not a SiosRoute53 configuration (JSON error at line {e.LineNumber + 1}: {e.Message}). Give a file written by Export-HaConfiguration.", source);
        }
        if (document is null || document.Format != FormatName)
            throw new HaArgumentException($"'{source}' is not a SiosRoute53 configuration (its \"format\" is not \"{FormatName}\"). Give a file written by Export-HaConfiguration.", source);
        if (document.Version > CurrentVersion)
            throw new HaArgumentException($"'{source}' has version {document.Version}, written by a newer SiosRoute53 (this one reads up to {CurrentVersion}). Update the module on this node.", source);
        if (document.Resources is null || document.Dependencies is null || document.Resources.Any(r => r?.Tag is null || r.Settings is null || r.Nodes is null || r.Nodes.Values.Any(n => n?.Settings is null))
            || document.Dependencies.Any(d => d?.Parent is null || d.Child is null))
            throw new HaArgumentException($"'{source}' has a resource or dependency with a missing field (null). Fix the file, or export it again.", source);
        return document;
    }
}

/// <summary>
/// Export and import of resource definitions, pure: what a document holds for a set of hierarchies, and what an
/// import would create, refused as a whole (with every conflict named) when any tag exists, a record is already
/// managed, a node is not a member, a dependency is missing or forms a cycle.
/// </summary>
public static class ConfigurationTransfer
{
    /// <summary>The setting keys a definition may hold: access settings and names, never a credential.</summary>
    public static readonly IReadOnlySet<string> KnownSettings = typeof(SettingKeys).GetFields()
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The document for <paramref name="tags"/>' whole hierarchies (everything above and below each), or for every
    /// resource; only known settings are written (<paramref name="leftOut"/> names any other, which is not exported).
    /// </summary>
    public static ConfigurationDocument Export(NodeState state, IReadOnlyCollection<string>? tags, DateTimeOffset now, out IReadOnlyList<string> leftOut)
    {
        var selected = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (tags is null || tags.Count == 0) selected.UnionWith(state.Resources.Select(r => r.Tag));
        else
        {
            var graph = HierarchyGraph.Of(state);
            foreach (var tag in tags)
                foreach (var root in graph.RootsAbove(HierarchyServices.Require(state, tag).Tag))
                    selected.UnionWith(graph.RestoreOrder(root));
        }
        var dropped = new List<string>();
        Dictionary<string, string> Known(string tag, Dictionary<string, string> settings)
        {
            foreach (var key in settings.Keys.Where(k => !KnownSettings.Contains(k))) dropped.Add($"{tag}: {key}");
            return settings.Where(s => KnownSettings.Contains(s.Key)).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        }
        var resources = state.Resources.Where(r => selected.Contains(r.Tag)).Select(r => r with
        {
            Settings = Known(r.Tag, r.Settings),
            Nodes = r.Nodes.ToDictionary(n => n.Key, n => n.Value with { Settings = Known(r.Tag, n.Value.Settings) }, StringComparer.OrdinalIgnoreCase),
        }).ToList();
        leftOut = dropped;
        return new ConfigurationDocument
        {
            Exported = now,
            Cluster = state.ClusterName,
            Node = state.NodeName,
            Resources = resources,
            Dependencies = state.Dependencies.Where(d => selected.Contains(d.Parent) && selected.Contains(d.Child)).ToList(),
        };
    }

    /// <summary>
    /// The definitions and dependencies an import of <paramref name="document"/> adds to <paramref name="state"/>;
    /// throws <see cref="HaArgumentException"/> listing every conflict, and then nothing may change.
    /// </summary>
    public static (List<ResourceDefinition> Resources, List<Dependency> Dependencies) PlanImport(NodeState state, ConfigurationDocument document, Kits.KitCatalog kits)
    {
        var problems = new List<string>();
        var resources = document.Resources;
        foreach (var r in resources)
        {
            if (ResourceCatalog.ValidateTag(r.Tag) is { } bad) problems.Add(bad);
            if (state.Find(r.Tag) is { } existing) problems.Add($"tag '{r.Tag}' already exists here ({existing.Kind})");
            foreach (var key in r.Settings.Keys.Concat(r.Nodes.Values.SelectMany(n => n.Settings.Keys)).Where(k => !KnownSettings.Contains(k)).Distinct())
                problems.Add($"'{r.Tag}' has an unknown setting '{key}'");
            if (RecordClaims.ConflictFor(state, r, resources) is { } claimed) problems.Add(claimed.TrimEnd('.'));
            if (r.Nodes.Count == 0) problems.Add($"'{r.Tag}' is on no node (its \"nodes\" is empty)");
            foreach (var node in r.Nodes.Keys.Where(n => !IsNode(state, n)))
                problems.Add(state.Members.Count == 0
                    ? $"'{r.Tag}' is defined on node '{node}', but this node is '{state.NodeName}' and not in a cluster: rename the node in the file"
                    : $"'{r.Tag}' is defined on node '{node}', which is not a node of cluster '{state.ClusterName}' ({string.Join(", ", state.Members.Where(m => m.Role == MemberRole.Node).Select(m => m.Name))}): rename it in the file, or add the member first");
        }
        foreach (var group in resources.GroupBy(r => r.Tag, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            problems.Add($"tag '{group.Key}' is in the file {group.Count()} times");
        var newTags = resources.Select(r => r.Tag).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var dependencies = new List<Dependency>();
        foreach (var d in document.Dependencies)
        {
            if (!newTags.Contains(d.Parent))
            {
                problems.Add($"the dependency {d.Parent} → {d.Child} names parent '{d.Parent}', which is not in the file (an import adds resources; it does not change existing ones)");
                continue;
            }
            var child = resources.FirstOrDefault(r => r.Tag.Equals(d.Child, StringComparison.OrdinalIgnoreCase)) ?? state.Find(d.Child);
            if (child is null) problems.Add($"the dependency {d.Parent} → {d.Child} names '{d.Child}', which is neither in the file nor here");
            else dependencies.Add(new Dependency(resources.First(r => r.Tag.Equals(d.Parent, StringComparison.OrdinalIgnoreCase)).Tag, child.Tag));
        }
        if (problems.Count > 0) throw Refused(problems);

        var merged = state with { Resources = state.Resources.Concat(resources).ToList(), Dependencies = state.Dependencies.Concat(dependencies).ToList() };
        foreach (var r in resources)
        {
            try { HierarchyGraph.Of(merged).RestoreOrder(r.Tag); }
            catch (DefinitionException e) { throw Refused(new[] { e.Message.TrimEnd('.') }); }
            foreach (var node in r.Nodes.Keys)
                foreach (var required in kits.For(r.Kind).RequiredChildren(r, node))
                    if (!merged.ChildrenOf(r.Tag).Contains(required, StringComparer.OrdinalIgnoreCase))
                        problems.Add($"{r.Kind.ToString().ToLowerInvariant()} resource '{r.Tag}' needs '{required}' as its child, and the file has no such dependency");
        }
        if (problems.Count > 0) throw Refused(problems.Distinct().ToList());
        return (resources, dependencies);
    }

    private static bool IsNode(NodeState state, string node) =>
        state.Members.Count == 0 ? node.Equals(state.NodeName, StringComparison.OrdinalIgnoreCase)
        : state.Member(node) is { Role: MemberRole.Node };

    private static HaArgumentException Refused(IReadOnlyList<string> problems) =>
        new($"Nothing was imported: {string.Join("; ", problems)}. Fix the file (Export-HaConfiguration writes one to start from), or remove the conflicting resources first.");
}
