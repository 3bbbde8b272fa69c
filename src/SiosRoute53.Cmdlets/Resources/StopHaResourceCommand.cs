using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Takes a resource out of service on this node, with everything that depends on it (parents first).</summary>
[Cmdlet(VerbsLifecycle.Stop, "HaResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(HaOperationResult))]
public sealed class StopHaResourceCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string[] Tag { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var manager = CreateManager();
        foreach (var tag in Tag)
        {
            try
            {
                var state = manager.State();
                var definition = state.Find(tag) ?? throw new ResourceNotFoundException(tag, state.Resources.Select(r => r.Tag));
                var order = ResourceManager.RemoveOrder(state, definition.Tag);
                if (!await OnPipelineThread(() => ShouldProcessUnlessForced($"'{definition.Tag}' on node '{state.NodeName}' ({string.Join(" → ", order)}, parents first)", "Take out of service", Force)))
                    continue;
                var result = await manager.StopAsync(definition.Tag, Options(), cancellationToken);
                Emit(result);
                if (!result.Succeeded)
                    EmitError(new ErrorRecord(new ResourceActionFailedException(result.Message), "ResourceStopFailed", ErrorCategory.InvalidResult, definition.Tag));
            }
            catch (Exception e) when (IsReportable(e)) { EmitError(ErrorFor(e, tag)); }
        }
    }
}
