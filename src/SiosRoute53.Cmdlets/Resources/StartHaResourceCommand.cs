using System.Management.Automation;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Brings a resource in service on this node, with everything it depends on (children first).</summary>
[Cmdlet(VerbsLifecycle.Start, "HaResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(HaOperationResult))]
public sealed class StartHaResourceCommand : ResourceOperationCmdlet
{
    /// <summary>Do not ask for confirmation (as everywhere in the module); it adopts nothing.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Take over an A record that no SiosRoute53 cluster owns, or that another cluster owns.</summary>
    [Parameter]
    public SwitchParameter Adopt { get; set; }

    protected override string AfterStop =>
        "What this command had brought in service here was taken out again, and the resource it stopped in is OSF with the reason. " +
        $"Run Start-HaResource {CurrentTag} again to finish, or Stop-HaResource {CurrentTag} to leave it out of service; " +
        "until then Test-HaResource reports a record left pointing at this node. Get-HaEvent -Newest 10 shows what happened.";

    protected override List<string> Order(NodeState state, string tag) => ResourceManager.RestoreOrder(state, tag);

    protected override string Direction => "children first";

    protected override string FailureId => "ResourceStartFailed";

    protected override bool Confirm(string target) =>
        ShouldProcessUnlessForced(target, Adopt ? "Bring in service, adopting a record this cluster does not own" : "Bring in service", Force);

    protected override Task<HaOperationResult> RunAsync(ResourceManager manager, string tag, CancellationToken cancellationToken) =>
        manager.StartAsync(tag, Options(adopt: Adopt), cancellationToken);
}
