using System.Management.Automation;
using System.Net;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Creates an ip ("real IP") resource for this node's own ENI address.</summary>
[Cmdlet(VerbsCommon.New, "HaIpResource", SupportsShouldProcess = true)]
[OutputType(typeof(HaResource))]
public sealed class NewHaIpResourceCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Tag { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNull]
    public IPAddress Address { get; set; } = IPAddress.None;

    [Parameter]
    [ValidateRange(1, 1000)]
    public int Priority { get; set; } = 1;

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var manager = CreateManager();
        string node = manager.State().NodeName;
        if (!await OnPipelineThread(() => ShouldProcess($"ip resource '{Tag}' ({Address}) on node '{node}'", "Create")))
            return;
        var definition = new IpSettings(Address).Define(Tag, node, Priority);
        Verbose($"Checking that {Address} is configured on an interface of '{node}'.");
        Emit(await manager.CreateAsync(definition, Array.Empty<string>(), cancellationToken));
    }
}
