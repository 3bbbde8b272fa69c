using SiosRoute53.Route53;

namespace SiosRoute53.Ocf;

/// <summary>
/// A Route 53 client for monitors: record listings of the one zone are answered from the node's shared
/// <see cref="ZoneSnapshot"/> (in Route 53's listing order and paging), everything else goes to the real client.
/// The route53 kit's check runs unchanged on top of it. The real client (credentials, HTTP) is only built when
/// Route 53 must be asked: a monitor answered from the snapshot stays a short process.
/// </summary>
public sealed class SnapshotRoute53Client(Func<IRoute53Client> connect, string zoneId, ZoneSnapshot snapshot, TimeSpan maxAge) : IRoute53Client
{
    private readonly string _zone = Route53Ids.BareZoneId(zoneId);
    private IRoute53Client? _inner;

    private IRoute53Client Inner => _inner ??= connect();

    public long CallCount => _inner?.CallCount ?? 0;

    /// <summary>Why the last listing failed, for telling an outage from a refusal; null when it did not.</summary>
    public Exception? LastFailure { get; private set; }

    public async Task<RecordSetPage> ListResourceRecordSetsAsync(string hostedZoneId, string? startRecordName = null, string? startRecordType = null,
        string? startRecordIdentifier = null, int? maxItems = null, CancellationToken cancellationToken = default)
    {
        if (!Route53Ids.BareZoneId(hostedZoneId).Equals(_zone, StringComparison.OrdinalIgnoreCase))
            return await Inner.ListResourceRecordSetsAsync(hostedZoneId, startRecordName, startRecordType, startRecordIdentifier, maxItems, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ResourceRecordSet> all;
        try
        {
            all = await snapshot.GetAsync(maxAge, ct => Inner.ListAllResourceRecordSetsAsync(_zone, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LastFailure = e;
            throw;
        }
        LastFailure = null;
        return Page(all, startRecordName, startRecordType, startRecordIdentifier, maxItems ?? 300);
    }

    /// <summary>One page of a full listing, starting where Route 53 would start for these parameters.</summary>
    internal static RecordSetPage Page(IReadOnlyList<ResourceRecordSet> all, string? startName, string? startType, string? startIdentifier, int max)
    {
        int start = 0;
        if (startName is not null)
        {
            string type = startType?.ToUpperInvariant() ?? "";
            start = all.Count;
            for (int i = 0; i < all.Count; i++)
            {
                int byName = DnsNames.CompareForListing(all[i].Name, startName);
                int byType = string.CompareOrdinal(all[i].Type, type);
                if (byName > 0 || (byName == 0 && (byType > 0 || (byType == 0 && (startIdentifier is null || string.CompareOrdinal(all[i].SetIdentifier ?? "", startIdentifier) >= 0)))))
                {
                    start = i;
                    break;
                }
            }
        }
        var page = all.Skip(start).Take(max).ToList();
        var next = start + max < all.Count ? all[start + max] : null;
        return new RecordSetPage(page, next is not null, next?.Name, next?.Type, next?.SetIdentifier, max);
    }

    public Task<HostedZonePage> ListHostedZonesAsync(string? marker = null, int? maxItems = null, CancellationToken cancellationToken = default) =>
        Inner.ListHostedZonesAsync(marker, maxItems, cancellationToken);

    public Task<HostedZonesByNamePage> ListHostedZonesByNameAsync(string? dnsName = null, string? hostedZoneId = null, int? maxItems = null, CancellationToken cancellationToken = default) =>
        Inner.ListHostedZonesByNameAsync(dnsName, hostedZoneId, maxItems, cancellationToken);

    public Task<HostedZone> GetHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) =>
        Inner.GetHostedZoneAsync(hostedZoneId, cancellationToken);

    public Task<ChangeInfo> ChangeResourceRecordSetsAsync(string hostedZoneId, IReadOnlyList<Change> changes, string? comment = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("A monitor never changes records.");

    public Task<ChangeInfo> GetChangeAsync(string changeId, CancellationToken cancellationToken = default) =>
        Inner.GetChangeAsync(changeId, cancellationToken);

    public Task<(HostedZone Zone, ChangeInfo Change)> CreateHostedZoneAsync(string name, string callerReference, string? comment = null, bool privateZone = false, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("A monitor never creates zones.");

    public Task<ChangeInfo> DeleteHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("A monitor never deletes zones.");
}
