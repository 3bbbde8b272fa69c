using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Hierarchy;

/// <summary>Options that shape one operation, from the cmdlet.</summary>
public sealed record OperationOptions
{
    /// <summary>Take over a record no SiosRoute53 cluster owns, or another cluster owns (Start-HaResource -Adopt).</summary>
    public bool Force { get; init; }
    public Action<string>? Log { get; init; }
    public IProgress<OperationProgress>? Progress { get; init; }

    /// <summary>Start a parent while its child only waits for INSYNC (the default); off, a start runs strictly one step after another.</summary>
    public bool Pipelined { get; init; } = true;

    /// <summary>Tunables for this operation only (a cmdlet's -Tunable), over the file and the defaults; keys and values are checked.</summary>
    public IReadOnlyDictionary<string, string>? Tunables { get; init; }
}

/// <summary>What the parts of the resource layer share on one node: the store, its event log, the kits, the node's facilities.</summary>
internal sealed class HierarchyServices
{
    private string? _nodeName;

    public HierarchyServices(StateStore store, KitEnvironment environment, Func<TunableSet> tunables, KitCatalog kits)
    {
        Store = store;
        Environment = environment;
        LoadTunables = tunables;
        Kits = kits;
        Events = new EventLog(store, () => NodeName, environment.Time);
    }

    public StateStore Store { get; }
    public KitEnvironment Environment { get; }
    public Func<TunableSet> LoadTunables { get; }

    /// <summary>The tunables of one operation: the file (read anew) under the operation's own overrides.</summary>
    public TunableSet TunablesFor(OperationOptions options) => LoadTunables().With(options.Tunables);
    public KitCatalog Kits { get; }
    public EventLog Events { get; }
    public TimeProvider Time => Environment.Time;

    /// <summary>This node's name, read once: it only changes when the node joins or creates a cluster, never under a manager.</summary>
    public string NodeName => _nodeName ??= Named(Store.Read());

    /// <summary>Remembers the node's name from a state already read, sparing a read.</summary>
    public void Saw(NodeState state) => _nodeName ??= Named(state);

    private static string Named(NodeState state) => state.NodeName is { Length: > 0 } n ? n : StateStore.DefaultNodeName();

    public static ResourceDefinition Require(NodeState state, string tag) =>
        state.Find(tag) ?? throw new ResourceNotFoundException(tag, state.Resources.Select(r => r.Tag));

    public KitContext Context(NodeState state, ResourceDefinition r, TunableSet tunables, OperationOptions options,
        IReadOnlyDictionary<string, ResourceDefinition>? children = null) => new()
        {
            Resource = r,
            NodeName = Named(state),
            ClusterName = state.ClusterName.Length == 0 ? "local" : state.ClusterName,
            Tunables = tunables,
            Environment = Environment,
            Kits = Kits,
            Children = children ?? state.ChildrenOf(r.Tag).Select(c => state.Find(c)).Where(c => c is not null)
                .ToDictionary(c => c!.Tag, c => c!, StringComparer.OrdinalIgnoreCase),
            Force = options.Force,
            Log = options.Log ?? (_ => { }),
            Progress = options.Progress,
        };

    /// <summary>A resource as an operator sees it on this node.</summary>
    public HaResource View(NodeState state, ResourceDefinition r)
    {
        var status = state.StatusOf(r.Tag, state.NodeName);
        bool busy = Leases.Held(status);
        var settings = new Dictionary<string, string>(r.Settings, StringComparer.Ordinal);
        if (r.Nodes.TryGetValue(state.NodeName, out var mine))
            foreach (var (k, v) in mine.Settings) settings[k] = v;
        string detail;
        try { detail = Kits.For(r.Kind).Summary(r, state.NodeName); }
        catch (DefinitionException e) { detail = e.Message; }
        return new HaResource
        {
            Tag = r.Tag,
            Kind = r.Kind,
            Node = state.NodeName,
            State = status.State,
            Reason = status.Reason,
            Since = status.Since == default ? r.Created : status.Since,
            Priority = mine?.Priority ?? 1,
            Detail = detail,
            Parents = state.ParentsOf(r.Tag).ToList(),
            Children = state.ChildrenOf(r.Tag).ToList(),
            Settings = settings,
            BusyAction = busy ? $"{status.BusyAction} by process {status.BusyPid}" : null,
        };
    }
}
