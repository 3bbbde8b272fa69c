using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Deletes a resource definition (out of service, with nothing depending on it).</summary>
[Cmdlet(VerbsCommon.Remove, "HaResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveHaResourceCommand : NodeCmdlet
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
            if (!await OnPipelineThread(() => ShouldProcessUnlessForced($"resource '{tag}'", "Remove", Force)))
                continue;
            try
            {
                manager.Remove(tag);
                Verbose($"Removed resource '{tag}'.");
            }
            catch (Exception e) when (IsReportable(e)) { EmitError(ErrorFor(e, tag)); }
        }
    }
}
