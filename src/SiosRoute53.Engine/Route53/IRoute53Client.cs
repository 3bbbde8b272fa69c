namespace SiosRoute53.Route53;

/// <summary>
/// The Route 53 operations the engine uses. One interface, so the official SDK client can stand in for ours
/// where AWSSDK.Route53 is available.
/// </summary>
public interface IRoute53Client
{
    /// <summary>API calls made so far by this client (each HTTP attempt counts).</summary>
    long CallCount { get; }

    Task<HostedZonePage> ListHostedZonesAsync(string? marker = null, int? maxItems = null, CancellationToken cancellationToken = default);

    Task<HostedZonesByNamePage> ListHostedZonesByNameAsync(string? dnsName = null, string? hostedZoneId = null, int? maxItems = null, CancellationToken cancellationToken = default);

    Task<HostedZone> GetHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default);

    Task<RecordSetPage> ListResourceRecordSetsAsync(string hostedZoneId, string? startRecordName = null, string? startRecordType = null,
        string? startRecordIdentifier = null, int? maxItems = null, CancellationToken cancellationToken = default);

    Task<ChangeInfo> ChangeResourceRecordSetsAsync(string hostedZoneId, IReadOnlyList<Change> changes, string? comment = null, CancellationToken cancellationToken = default);

    Task<ChangeInfo> GetChangeAsync(string changeId, CancellationToken cancellationToken = default);

    /// <summary>Setup only (tests, the demo lab); the product itself never creates zones.</summary>
    Task<(HostedZone Zone, ChangeInfo Change)> CreateHostedZoneAsync(string name, string callerReference, string? comment = null, bool privateZone = false, CancellationToken cancellationToken = default);

    /// <summary>Setup only (tests, the demo lab).</summary>
    Task<ChangeInfo> DeleteHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default);
}

public static class Route53ClientExtensions
{
    /// <summary>Every hosted zone, following NextMarker across pages.</summary>
    public static async Task<IReadOnlyList<HostedZone>> ListAllHostedZonesAsync(this IRoute53Client client, CancellationToken cancellationToken = default)
    {
        var all = new List<HostedZone>();
        string? marker = null;
        do
        {
            var page = await client.ListHostedZonesAsync(marker, null, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.HostedZones);
            marker = page.IsTruncated ? page.NextMarker : null;
        } while (marker is not null);
        return all;
    }

    /// <summary>
    /// Every record set from a starting point on, following NextRecordName/Type/Identifier across pages.
    /// </summary>
    public static async Task<IReadOnlyList<ResourceRecordSet>> ListAllResourceRecordSetsAsync(this IRoute53Client client, string hostedZoneId,
        string? startRecordName = null, string? startRecordType = null, CancellationToken cancellationToken = default)
    {
        var all = new List<ResourceRecordSet>();
        string? name = startRecordName, type = startRecordType, identifier = null;
        while (true)
        {
            var page = await client.ListResourceRecordSetsAsync(hostedZoneId, name, type, identifier, null, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.RecordSets);
            if (!page.IsTruncated) return all;
            (name, type, identifier) = (page.NextRecordName, page.NextRecordType, page.NextRecordIdentifier);
        }
    }

    /// <summary>The record sets with exactly this name (all types, or one type), in one or two calls.</summary>
    public static async Task<IReadOnlyList<ResourceRecordSet>> GetRecordSetsAsync(this IRoute53Client client, string hostedZoneId,
        string name, string? type = null, CancellationToken cancellationToken = default)
    {
        string wanted = DnsNames.Normalize(name);
        var found = new List<ResourceRecordSet>();
        string? startType = type, identifier = null;
        string startName = wanted;
        while (true)
        {
            var page = await client.ListResourceRecordSetsAsync(hostedZoneId, startName, startType, identifier, type is null ? 100 : 10, cancellationToken).ConfigureAwait(false);
            bool passed = false;
            foreach (var set in page.RecordSets)
            {
                if (!DnsNames.Equal(set.Name, wanted) || (type is not null && !set.Type.Equals(type, StringComparison.OrdinalIgnoreCase)))
                {
                    passed = true;
                    break;
                }
                found.Add(set);
            }
            if (passed || !page.IsTruncated || page.NextRecordName is null || !DnsNames.Equal(page.NextRecordName, wanted)) return found;
            (startName, startType, identifier) = (page.NextRecordName, page.NextRecordType, page.NextRecordIdentifier);
        }
    }
}
