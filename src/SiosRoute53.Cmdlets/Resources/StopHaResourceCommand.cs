using System.Management.Automation;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Takes a resource out of service on this node, with everything that depends on it (parents first).</summary>
[Cmdlet(VerbsLifecycle.Stop, "HaResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(HaOperationResult))]
public sealed class StopHaResourceCommand : ResourceOperationCmdlet
{
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override List<string> Order(NodeState state, string tag) => ResourceManager.RemoveOrder(state, tag);

    protected override string Direction => "parents first";

    protected override string FailureId => "ResourceStopFailed";

    protected override bool Confirm(string target) => ShouldProcessUnlessForced(target, "Take out of service", Force);

    protected override Task<HaOperationResult> RunAsync(ResourceManager manager, string tag, CancellationToken cancellationToken) =>
        manager.StopAsync(tag, Options(), cancellationToken);
}
