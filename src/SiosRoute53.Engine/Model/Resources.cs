using System.Text.Json.Serialization;

namespace SiosRoute53.Model;

[JsonConverter(typeof(JsonStringEnumConverter<ResourceKind>))]
// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum ResourceKind : long { Ip, Route53, Service }

/// <summary>LifeKeeper's resource states.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResourceState>))]
// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum ResourceState : long
{
    /// <summary>In service, protected.</summary>
    ISP,
    /// <summary>In service, unprotected (its last check could not tell, or it needs attention).</summary>
    ISU,
    /// <summary>Out of service, unimpaired.</summary>
    OSU,
    /// <summary>Out of service, failed.</summary>
    OSF,
}

/// <summary>A resource's settings on one node (its own ENI IP, for an ip resource) and its priority there (1 = first).</summary>
public sealed record NodeInstance
{
    public int Priority { get; init; } = 1;
    public Dictionary<string, string> Settings { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A protected resource: a tag, a kind, settings shared by all nodes and settings per node. Kind-specific views
/// (<see cref="IpSettings"/>, <see cref="Route53Settings"/>, <see cref="ServiceSettings"/>) read the dictionaries.
/// </summary>
public sealed record ResourceDefinition
{
    public required string Tag { get; init; }
    public required ResourceKind Kind { get; init; }
    public DateTimeOffset Created { get; init; }
    public Dictionary<string, string> Settings { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, NodeInstance> Nodes { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A setting of this node's instance, else the shared one.</summary>
    public string? Setting(string node, string key) =>
        Nodes.TryGetValue(node, out var instance) && instance.Settings.TryGetValue(key, out var v) ? v
        : Settings.TryGetValue(key, out var shared) ? shared : null;
}

public sealed record Dependency(string Parent, string Child);

/// <summary>One resource's state on one node, and who is working on it right now.</summary>
public sealed record ResourceStatus
{
    public required string Tag { get; init; }
    public required string Node { get; init; }
    public ResourceState State { get; init; } = ResourceState.OSU;
    public string? Reason { get; init; }
    public DateTimeOffset Since { get; init; }

    /// <summary>The process running an action on the resource, while it runs.</summary>
    public int? BusyPid { get; init; }

    /// <summary>The start time of <see cref="BusyPid"/> (clock ticks since boot), so a reused process id is not mistaken for it.</summary>
    public long? BusyStart { get; init; }
    public string? BusyAction { get; init; }
    public DateTimeOffset? BusySince { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<MemberRole>))]
// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum MemberRole : long { Node, Witness }

/// <summary>A cluster member: a node (runs resources) or a witness (votes only), reachable on its communication paths.</summary>
public sealed record ClusterMember
{
    public required string Name { get; init; }
    public MemberRole Role { get; init; } = MemberRole.Node;

    /// <summary>TCP communication paths, "address:port"; a peer is dead only when every path is silent.</summary>
    public List<string> Paths { get; init; } = new();
}

/// <summary>Everything a node keeps about its cluster and resources; one versioned JSON document.</summary>
public sealed record NodeState
{
    public const int CurrentSchema = 1;
    public int Schema { get; init; } = CurrentSchema;
    public long Revision { get; init; }
    public string NodeName { get; init; } = "";
    public string ClusterName { get; init; } = "";

    /// <summary>Version of the cluster-wide configuration (members, resources, dependencies); the highest wins.</summary>
    public long ConfigRevision { get; init; }

    /// <summary>The node whose change produced <see cref="ConfigRevision"/>: the tie-break between equal revisions.</summary>
    public string ConfigAuthor { get; init; } = "";

    public List<ClusterMember> Members { get; init; } = new();
    public List<ResourceDefinition> Resources { get; init; } = new();
    public List<Dependency> Dependencies { get; init; } = new();
    public List<ResourceStatus> States { get; init; } = new();

    /// <summary>
    /// The ownership generation this node last claimed or wrote per hierarchy (cluster rule 4): it only grows, and a
    /// restarted agent starts from it instead of forgetting it.
    /// </summary>
    public Dictionary<string, long> Generations { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The ownership generation this node keeps for hierarchy <paramref name="root"/> (0: none).</summary>
    public long GenerationOf(string root) =>
        Generations.Where(g => g.Key.Equals(root, StringComparison.OrdinalIgnoreCase)).Select(g => g.Value).DefaultIfEmpty(0).Max();

    /// <summary>This state keeping <paramref name="generation"/> for <paramref name="root"/>: never lower than what it kept.</summary>
    public NodeState KeepGeneration(string root, long generation)
    {
        if (GenerationOf(root) >= generation) return this;
        var kept = Generations.Where(g => !g.Key.Equals(root, StringComparison.OrdinalIgnoreCase)).ToDictionary(g => g.Key, g => g.Value, StringComparer.OrdinalIgnoreCase);
        kept[root] = generation;
        return this with { Generations = kept };
    }

    public ResourceDefinition? Find(string tag) =>
        Resources.FirstOrDefault(r => r.Tag.Equals(tag, StringComparison.OrdinalIgnoreCase));

    public ResourceStatus StatusOf(string tag, string node) =>
        States.FirstOrDefault(s => s.Tag.Equals(tag, StringComparison.OrdinalIgnoreCase) && s.Node.Equals(node, StringComparison.OrdinalIgnoreCase))
        ?? new ResourceStatus { Tag = tag, Node = node };

    public IEnumerable<string> ChildrenOf(string tag) =>
        Dependencies.Where(d => d.Parent.Equals(tag, StringComparison.OrdinalIgnoreCase)).Select(d => d.Child);

    public IEnumerable<string> ParentsOf(string tag) =>
        Dependencies.Where(d => d.Child.Equals(tag, StringComparison.OrdinalIgnoreCase)).Select(d => d.Parent);

    public ClusterMember? Member(string name) => Members.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A change to the configuration proposed by another member that this node stored and that is not decided yet.</summary>
    public Cluster.ConfigProposal? PendingConfig { get; init; }

    /// <summary>Marks a change made on this node: the store writes it only once a majority of the members stored it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool LocalConfigChange { get; init; }

    /// <summary>This state after a change to the cluster-wide configuration made on this node.</summary>
    public NodeState ConfigChanged() => this with { ConfigRevision = ConfigRevision + 1, ConfigAuthor = NodeName, LocalConfigChange = true };

    public NodeState WithStatus(ResourceStatus status)
    {
        var states = States.Where(s => !(s.Tag.Equals(status.Tag, StringComparison.OrdinalIgnoreCase) && s.Node.Equals(status.Node, StringComparison.OrdinalIgnoreCase))).ToList();
        states.Add(status);
        return this with { States = states };
    }
}

/// <summary>One line of the event history: what happened, to what, when, why, and how long it took.</summary>
public sealed record HaEvent
{
    public required DateTimeOffset Time { get; init; }
    public required string Node { get; init; }
    public string? Tag { get; init; }
    public required string Action { get; init; }
    public required string Outcome { get; init; }
    public required string Message { get; init; }
    public TimeSpan? Duration { get; init; }
    public int? ApiCalls { get; init; }

    /// <summary>For a cluster decision: the rule that made it (see about_SiosRoute53), so the history says why.</summary>
    public string? Rule { get; init; }
}
