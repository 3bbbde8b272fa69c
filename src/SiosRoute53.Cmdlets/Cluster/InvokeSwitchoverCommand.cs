using System.Management.Automation;
using SiosRoute53.Cluster;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Store;

namespace SiosRoute53.Cmdlets.Cluster;

/// <summary>Moves a hierarchy to another node: removed on the owner (parents first), restored on the target (children first).</summary>
[Cmdlet(VerbsLifecycle.Invoke, "Switchover", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(HaSwitchoverResult))]
public sealed class InvokeSwitchoverCommand : OperationCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string Tag { get; set; } = "";

    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? ToNode { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override string AfterStop =>
        $"Follow it with Get-HaStatus or Get-HaResource {Tag} -AllNodes; if '{Tag}' ends up in service nowhere, bring it in service with Start-HaResource on the node that should have it.";

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (!await OnPipelineThread(() => ShouldProcessUnlessForced($"hierarchy '{Tag}' to {(ToNode is null ? "the next node by priority" : $"'{ToNode}'")}", "Switch over", Force)))
            return;
        var client = new ClusterClient(new StateStore(ResolvedStateDirectory));
        var result = await client.SwitchoverAsync(Tag, ToNode, Options().Progress, Verbose, cancellationToken, TunableOverrides);
        Emit(result);
        if (!result.Succeeded)
            EmitError(new ErrorRecord(new Resources.ResourceActionFailedException(result.Message), "SwitchoverFailed", ErrorCategory.InvalidResult, Tag));
    }
}

/// <summary>Shows every member's own view: reachable or not, quorum, what it has in service, whom it hears.</summary>
[Cmdlet(VerbsCommon.Get, "HaCluster")]
[OutputType(typeof(HaClusterMember))]
public sealed class GetHaClusterCommand : NodeCmdlet
{
    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var store = new StateStore(ResolvedStateDirectory);
        if (ClusterSettings.TwoNodeWarning(store.Read(), ResolvedTunablesPath) is { } warning) Warn(warning);
        foreach (var m in await new ClusterClient(store).StatusAsync(cancellationToken)) Emit(m);
    }
}
