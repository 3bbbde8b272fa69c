using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;
using SiosRoute53.Route53;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Creates a route53 resource: an A record that follows the node where its hierarchy is in service.</summary>
[Cmdlet(VerbsCommon.New, "HaRoute53Resource", SupportsShouldProcess = true, DefaultParameterSetName = ZoneIdSet)]
[OutputType(typeof(HaResource))]
public sealed class NewHaRoute53ResourceCommand : AwsCmdlet
{
    private const string ZoneIdSet = "ZoneId";
    private const string ZoneNameSet = "ZoneName";

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Tag { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string RecordName { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ZoneIdSet)]
    [Alias("ZoneId")]
    [ValidateNotNullOrEmpty]
    public string HostedZoneId { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ZoneNameSet)]
    [ValidateNotNullOrEmpty]
    public string ZoneName { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string IpResource { get; set; } = "";

    [Parameter]
    [ValidateRange(0, 86400)]
    public int? Ttl { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var manager = CreateManager();
        var access = AccessOptions();
        Verbose($"Looking up hosted zone '{(ParameterSetName == ZoneIdSet ? HostedZoneId : ZoneName)}' with ListHostedZones.");
        var zone = await manager.ResolveZoneAsync(access, ParameterSetName == ZoneIdSet ? HostedZoneId : null,
            ParameterSetName == ZoneNameSet ? ZoneName : null, Verbose, cancellationToken);
        string record = DnsNames.Normalize(RecordName);
        if (!await OnPipelineThread(() => ShouldProcess($"route53 resource '{Tag}': {record} A in {zone.Name} ({zone.ShortId}), address from '{IpResource}'", "Create")))
            return;
        var definition = new Route53Settings(zone.ShortId, zone.Name, record, Ttl, IpResource, access).Define(Tag);
        Emit(await manager.CreateAsync(definition, new[] { IpResource }, cancellationToken));
    }
}
