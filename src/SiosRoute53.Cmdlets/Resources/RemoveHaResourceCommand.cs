using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Deletes a resource definition (out of service, with nothing depending on it).</summary>
[Cmdlet(VerbsCommon.Remove, "HaResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(void))]
public sealed class RemoveHaResourceCommand : NodeCmdlet
{
    private const string TagSet = "Tag", InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TagSet)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string[] Tag { get; set; } = Array.Empty<string>();

    /// <summary>Resources from Get-HaResource; one that another node reported is refused, never removed here.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public HaResource[] InputObject { get; set; } = Array.Empty<HaResource>();

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var manager = CreateManager();
        manager.Store.RequireDirectory();
        var tags = ParameterSetName == InputObjectSet ? TagsOnThisNode(InputObject, manager.State().NodeName) : Tag;
        foreach (var tag in tags)
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
