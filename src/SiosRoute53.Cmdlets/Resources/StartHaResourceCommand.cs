using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Brings a resource in service on this node, with everything it depends on (children first).</summary>
[Cmdlet(VerbsLifecycle.Start, "HaResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(HaOperationResult))]
public sealed class StartHaResourceCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string[] Tag { get; set; } = Array.Empty<string>();

    /// <summary>Adopt an A record that no SiosRoute53 cluster owns, or that another cluster owns.</summary>
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
                var order = ResourceManager.RestoreOrder(state, definition.Tag);
                if (!await OnPipelineThread(() => ShouldProcess($"'{definition.Tag}' on node '{state.NodeName}' ({string.Join(" → ", order)}, children first)", "Bring in service")))
                    continue;
                var result = await manager.StartAsync(definition.Tag, Options(Force), cancellationToken);
                CompleteProgress();
                Emit(result);
                if (!result.Succeeded)
                    EmitError(new ErrorRecord(new ResourceActionFailedException(result.Message), "ResourceStartFailed", ErrorCategory.InvalidResult, definition.Tag));
            }
            catch (Exception e) when (IsReportable(e)) { EmitError(ErrorFor(e, tag)); }
        }
    }
}

/// <summary>A start or stop did not complete; the message says which resource failed and why.</summary>
public sealed class ResourceActionFailedException(string message) : Exception(message);
