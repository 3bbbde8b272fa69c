using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Makes a resource depend on another: the parent needs the child in service first.</summary>
[Cmdlet(VerbsCommon.Add, "HaDependency", SupportsShouldProcess = true)]
[OutputType(typeof(HaResource))]
public sealed class AddHaDependencyCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Tag")]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string Parent { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string Child { get; set; } = "";

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (!await OnPipelineThread(() => ShouldProcess($"'{Parent}' depends on '{Child}'", "Add dependency"))) return;
        try { Emit(CreateManager().AddDependency(Parent, Child)); }
        catch (Exception e) when (IsReportable(e)) { EmitError(ErrorFor(e, Parent)); }
    }
}

/// <summary>Removes a dependency between two resources.</summary>
[Cmdlet(VerbsCommon.Remove, "HaDependency", SupportsShouldProcess = true)]
[OutputType(typeof(HaResource))]
public sealed class RemoveHaDependencyCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Tag")]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string Parent { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string Child { get; set; } = "";

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (!await OnPipelineThread(() => ShouldProcess($"'{Parent}' depends on '{Child}'", "Remove dependency"))) return;
        try { Emit(CreateManager().RemoveDependency(Parent, Child)); }
        catch (Exception e) when (IsReportable(e)) { EmitError(ErrorFor(e, Parent)); }
    }
}
