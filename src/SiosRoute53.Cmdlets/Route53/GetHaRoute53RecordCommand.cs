using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Route53;

namespace SiosRoute53.Cmdlets.Route53;

/// <summary>Reads record sets of a hosted zone: all of them, or those of one name (and type).</summary>
[Cmdlet(VerbsCommon.Get, "HaRoute53Record")]
[OutputType(typeof(ResourceRecordSet))]
public sealed class GetHaRoute53RecordCommand : AwsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id", "ZoneId")]
    [ValidateNotNullOrEmpty]
    public string HostedZoneId { get; set; } = "";

    [Parameter(Position = 1)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    public string? RecordName { get; set; }

    [Parameter]
    [ValidateSet("A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "TXT")]
    public string? Type { get; set; }

    private IRoute53Client? _client;

    protected override Task BeginProcessingAsync(CancellationToken cancellationToken)
    {
        if (Type is not null && RecordName is null)
            throw new PSArgumentException("-Type needs -RecordName: Route 53 lists by name first, then type. Give -RecordName too, or leave -Type out.", nameof(Type));
        _client = CreateClient();
        return Task.CompletedTask;
    }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        try
        {
            var sets = RecordName is null
                ? await _client!.ListAllResourceRecordSetsAsync(HostedZoneId, cancellationToken: cancellationToken)
                : await _client!.GetRecordSetsAsync(HostedZoneId, RecordName, Type, cancellationToken);
            foreach (var set in sets) Emit(set);
            Verbose($"{sets.Count} record set(s) from zone {Route53Ids.BareZoneId(HostedZoneId)} in {_client!.CallCount} API call(s) so far.");
        }
        catch (Exception e) when (e is Route53Exception or ArgumentException)
        {
            EmitError(ErrorFor(e, HostedZoneId));
        }
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        (_client as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }
}
