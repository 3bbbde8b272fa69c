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
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SettingKeys.HostedZoneId] = zone.ShortId,
            [SettingKeys.ZoneName] = zone.Name,
            [SettingKeys.RecordName] = record,
            [SettingKeys.IpResource] = IpResource,
        };
        void Put(string key, string? value) { if (!string.IsNullOrEmpty(value)) settings[key] = value; }
        Put(SettingKeys.Ttl, Ttl?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Put(SettingKeys.EndpointUrl, access.EndpointUrl?.ToString());
        Put(SettingKeys.ProfileName, access.ProfileName);
        Put(SettingKeys.ProfileLocation, access.ProfileLocation);
        Put(SettingKeys.Region, access.Region);
        Put(SettingKeys.RoleArn, access.RoleArn);
        Put(SettingKeys.ExternalId, access.ExternalId);
        var definition = new ResourceDefinition { Tag = Tag, Kind = ResourceKind.Route53, Settings = settings };
        Emit(await manager.CreateAsync(definition, new[] { IpResource }, cancellationToken));
    }
}
