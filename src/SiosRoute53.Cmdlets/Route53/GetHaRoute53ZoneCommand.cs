using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Route53;

namespace SiosRoute53.Cmdlets.Route53;

/// <summary>Lists Route 53 hosted zones, or gets one by id or name.</summary>
[Cmdlet(VerbsCommon.Get, "HaRoute53Zone", DefaultParameterSetName = AllSet)]
[OutputType(typeof(HostedZone))]
public sealed class GetHaRoute53ZoneCommand : AwsCmdlet
{
    private const string AllSet = "All";
    private const string IdSet = "Id";
    private const string NameSet = "Name";

    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "ZoneId")]
    [ValidateNotNullOrEmpty]
    public string[] HostedZoneId { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    public string[] ZoneName { get; set; } = Array.Empty<string>();

    private IRoute53Client? _client;

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        _client = CreateClient();
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        switch (ParameterSetName)
        {
            case IdSet:
                foreach (var id in HostedZoneId)
                {
                    try { Emit(await _client!.GetHostedZoneAsync(id, cancellationToken)); }
                    catch (Exception e) when (e is Route53Exception or ArgumentException) { EmitError(ErrorFor(e, id)); }
                }
                break;
            case NameSet:
                IReadOnlyList<HostedZone> zones;
                try { zones = await _client!.ListAllHostedZonesAsync(cancellationToken); }
                catch (Route53Exception e) { EmitError(ErrorFor(e, null)); return; }
                foreach (var name in ZoneName)
                {
                    var matches = zones.Where(z => DnsNames.Equal(z.Name, name)).ToList();
                    if (matches.Count == 0)
                        EmitError(new ErrorRecord(new ItemNotFoundException(
                            $"No hosted zone named '{DnsNames.Normalize(name)}' is visible to these credentials. List them with Get-HaRoute53Zone."),
                            "HostedZoneNotFound", ErrorCategory.ObjectNotFound, name));
                    foreach (var zone in matches) Emit(zone);
                }
                break;
            default:
                try
                {
                    foreach (var zone in await _client!.ListAllHostedZonesAsync(cancellationToken)) Emit(zone);
                }
                catch (Route53Exception e) { EmitError(ErrorFor(e, null)); }
                break;
        }
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        (_client as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }
}
