using System.Management.Automation;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Brings a resource in service on this node, with everything it depends on (children first).</summary>
[Cmdlet(VerbsLifecycle.Start, "HaResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(HaOperationResult))]
public sealed class StartHaResourceCommand : ResourceOperationCmdlet
{
    /// <summary>Adopt an A record that no SiosRoute53 cluster owns, or that another cluster owns.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override List<string> Order(NodeState state, string tag) => ResourceManager.RestoreOrder(state, tag);

    protected override string Direction => "children first";

    protected override string FailureId => "ResourceStartFailed";

    protected override bool Confirm(string target) => ShouldProcess(target, "Bring in service");

    protected override Task<HaOperationResult> RunAsync(ResourceManager manager, string tag, CancellationToken cancellationToken) =>
        manager.StartAsync(tag, Options(Force), cancellationToken);
}
