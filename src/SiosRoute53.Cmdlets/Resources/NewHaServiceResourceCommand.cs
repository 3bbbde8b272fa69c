using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Creates a service resource: the protected application, by systemd unit or by start/stop/check commands.</summary>
[Cmdlet(VerbsCommon.New, "HaServiceResource", SupportsShouldProcess = true, DefaultParameterSetName = UnitSet)]
[OutputType(typeof(HaResource))]
public sealed class NewHaServiceResourceCommand : NodeCmdlet
{
    private const string UnitSet = "SystemdUnit";
    private const string CommandSet = "Commands";

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Tag { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = UnitSet)]
    [ValidateNotNullOrEmpty]
    public string SystemdUnit { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = CommandSet)]
    [ValidateNotNullOrEmpty]
    public string StartCommand { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = CommandSet)]
    [ValidateNotNullOrEmpty]
    public string StopCommand { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = CommandSet)]
    [ValidateNotNullOrEmpty]
    public string CheckCommand { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string[] DependsOn { get; set; } = Array.Empty<string>();

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var manager = CreateManager();
        string what = ParameterSetName == UnitSet ? $"systemd unit {SystemdUnit}" : $"start '{StartCommand}', stop '{StopCommand}', check '{CheckCommand}'";
        if (!await OnPipelineThread(() => ShouldProcess($"service resource '{Tag}' ({what})" + (DependsOn.Length > 0 ? $" depending on {string.Join(", ", DependsOn)}" : ""), "Create")))
            return;
        var settings = ParameterSetName == UnitSet ? ServiceSettings.Unit(SystemdUnit) : ServiceSettings.Commands(StartCommand, StopCommand, CheckCommand);
        Emit(await manager.CreateAsync(settings.Define(Tag), DependsOn, cancellationToken));
    }
}
