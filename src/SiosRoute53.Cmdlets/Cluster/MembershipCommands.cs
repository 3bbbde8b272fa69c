using System.Management.Automation;
using SiosRoute53.Cluster;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cmdlets.Cluster;

/// <summary>Creates a cluster with this node as its first member and generates the cluster key.</summary>
[Cmdlet(VerbsCommon.New, "HaCluster", SupportsShouldProcess = true)]
[OutputType(typeof(ClusterMember))]
public sealed class NewHaClusterCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string NodeName { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (!await OnPipelineThread(() => ShouldProcess($"cluster '{Name}' with node '{NodeName}' on {string.Join(", ", Path)}", "Create"))) return;
        var state = new ClusterService(new StateStore(ResolvedStateDirectory)).Create(Name, NodeName, Path);
        Verbose($"Cluster key written to {ClusterKey.PathIn(ResolvedStateDirectory)} (root only). Hand it to joining nodes with Export-HaClusterKey.");
        if (ClusterSettings.TwoNodeWarning(state, ResolvedTunablesPath) is { } warning) Warn(warning);
        foreach (var m in state.Members) Emit(m);
    }
}

/// <summary>Joins this node to a cluster through a running member, with the key file exported there.</summary>
[Cmdlet(VerbsCommon.Join, "HaCluster", SupportsShouldProcess = true)]
[OutputType(typeof(ClusterMember))]
public sealed class JoinHaClusterCommand : NodeCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string NodeName { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string KeyFile { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Peer { get; set; } = "";

    [Parameter]
    public SwitchParameter Witness { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        string keyFile = SessionState.Path.GetUnresolvedProviderPathFromPSPath(KeyFile);
        if (!await OnPipelineThread(() => ShouldProcess($"node '{NodeName}' ({string.Join(", ", Path)}) through {Peer}", "Join cluster"))) return;
        var service = new ClusterService(new StateStore(ResolvedStateDirectory));
        var state = await service.JoinAsync(NodeName, Path, keyFile, Peer, Witness ? MemberRole.Witness : MemberRole.Node, cancellationToken);
        Verbose($"Joined cluster '{state.ClusterName}'; configuration revision {state.ConfigRevision}. Start the agent with Start-HaNode.");
        if (ClusterSettings.TwoNodeWarning(state, ResolvedTunablesPath) is { } warning) Warn(warning);
        foreach (var m in state.Members) Emit(m);
    }
}

/// <summary>Adds a node or a witness to the cluster's membership.</summary>
[Cmdlet(VerbsCommon.Add, "HaNode", SupportsShouldProcess = true)]
[OutputType(typeof(ClusterMember))]
public sealed class AddHaNodeCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    public string NodeName { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter Witness { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        string role = Witness ? "witness" : "node";
        if (!await OnPipelineThread(() => ShouldProcess($"{role} '{NodeName}' on {string.Join(", ", Path)}", "Add to cluster"))) return;
        var state = new ClusterService(new StateStore(ResolvedStateDirectory)).AddMember(NodeName, Witness ? MemberRole.Witness : MemberRole.Node, Path);
        Emit(state.Member(NodeName));
    }
}

/// <summary>Removes a member from the cluster (and its extensions of every resource).</summary>
[Cmdlet(VerbsCommon.Remove, "HaNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveHaNodeCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string NodeName { get; set; } = "";

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (!await OnPipelineThread(() => ShouldProcessUnlessForced($"member '{NodeName}' and its resource extensions", "Remove from cluster", Force))) return;
        new ClusterService(new StateStore(ResolvedStateDirectory)).RemoveMember(NodeName);
    }
}

/// <summary>Lists the cluster's members from this node's configuration.</summary>
[Cmdlet(VerbsCommon.Get, "HaNode")]
[OutputType(typeof(ClusterMember))]
public sealed class GetHaNodeCommand : NodeCmdlet
{
    [Parameter(Position = 0)]
    [Alias("Name")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string[] NodeName { get; set; } = Array.Empty<string>();

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var patterns = NodeName.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var m in new StateStore(ResolvedStateDirectory).Read().Members.Where(m => patterns.Count == 0 || patterns.Any(p => p.IsMatch(m.Name))))
            Emit(m);
        return Task.CompletedTask;
    }
}

/// <summary>Writes the cluster key to a file (mode 0600) to hand to a joining node.</summary>
[Cmdlet(VerbsData.Export, "HaClusterKey", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportHaClusterKeyCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!await OnPipelineThread(() => ShouldProcess(file, "Write the cluster key"))) return;
        new ClusterService(new StateStore(ResolvedStateDirectory)).ExportKey(file);
        Warn($"{file} holds the cluster key: copy it to the joining node over SSH, then delete it.");
        Emit(new FileInfo(file));
    }
}
