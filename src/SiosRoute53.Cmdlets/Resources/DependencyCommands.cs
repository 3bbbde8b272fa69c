using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Add-HaDependency and Remove-HaDependency: a parent, a child, one change to the hierarchy.</summary>
public abstract class DependencyCmdlet : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Tag")]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string Parent { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string Child { get; set; } = "";

    protected abstract string Action { get; }

    protected abstract HaResource Change(ResourceManager manager);

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (!await OnPipelineThread(() => ShouldProcess($"'{Parent}' depends on '{Child}'", Action))) return;
        try { Emit(Change(CreateManager())); }
        catch (Exception e) when (IsReportable(e)) { EmitError(ErrorFor(e, Parent)); }
    }
}

/// <summary>Makes a resource depend on another: the parent needs the child in service first.</summary>
[Cmdlet(VerbsCommon.Add, "HaDependency", SupportsShouldProcess = true)]
[OutputType(typeof(HaResource))]
public sealed class AddHaDependencyCommand : DependencyCmdlet
{
    protected override string Action => "Add dependency";
    protected override HaResource Change(ResourceManager manager) => manager.AddDependency(Parent, Child);
}

/// <summary>Removes a dependency between two resources.</summary>
[Cmdlet(VerbsCommon.Remove, "HaDependency", SupportsShouldProcess = true)]
[OutputType(typeof(HaResource))]
public sealed class RemoveHaDependencyCommand : DependencyCmdlet
{
    protected override string Action => "Remove dependency";
    protected override HaResource Change(ResourceManager manager) => manager.RemoveDependency(Parent, Child);
}
