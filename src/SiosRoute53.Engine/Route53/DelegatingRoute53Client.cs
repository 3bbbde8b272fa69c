namespace SiosRoute53.Route53;

/// <summary>
/// Passes every call to another client: the base for a decorator that changes one operation (count, delay or fail
/// it) and leaves the others as they are.
/// </summary>
public abstract class DelegatingRoute53Client(IRoute53Client inner) : IRoute53Client
{
    protected IRoute53Client Inner { get; } = inner;

    public virtual long CallCount => Inner.CallCount;

    public virtual Task<HostedZonePage> ListHostedZonesAsync(string? marker = null, int? maxItems = null, CancellationToken cancellationToken = default) =>
        Inner.ListHostedZonesAsync(marker, maxItems, cancellationToken);

    public virtual Task<HostedZonesByNamePage> ListHostedZonesByNameAsync(string? dnsName = null, string? hostedZoneId = null, int? maxItems = null, CancellationToken cancellationToken = default) =>
        Inner.ListHostedZonesByNameAsync(dnsName, hostedZoneId, maxItems, cancellationToken);

    public virtual Task<HostedZone> GetHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) =>
        Inner.GetHostedZoneAsync(hostedZoneId, cancellationToken);

    public virtual Task<RecordSetPage> ListResourceRecordSetsAsync(string hostedZoneId, string? startRecordName = null, string? startRecordType = null,
        string? startRecordIdentifier = null, int? maxItems = null, CancellationToken cancellationToken = default) =>
        Inner.ListResourceRecordSetsAsync(hostedZoneId, startRecordName, startRecordType, startRecordIdentifier, maxItems, cancellationToken);

    public virtual Task<ChangeInfo> ChangeResourceRecordSetsAsync(string hostedZoneId, IReadOnlyList<Change> changes, string? comment = null, CancellationToken cancellationToken = default) =>
        Inner.ChangeResourceRecordSetsAsync(hostedZoneId, changes, comment, cancellationToken);

    public virtual Task<ChangeInfo> GetChangeAsync(string changeId, CancellationToken cancellationToken = default) =>
        Inner.GetChangeAsync(changeId, cancellationToken);

    public virtual Task<(HostedZone Zone, ChangeInfo Change)> CreateHostedZoneAsync(string name, string callerReference, string? comment = null, bool privateZone = false, CancellationToken cancellationToken = default) =>
        Inner.CreateHostedZoneAsync(name, callerReference, comment, privateZone, cancellationToken);

    public virtual Task<ChangeInfo> DeleteHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default) =>
        Inner.DeleteHostedZoneAsync(hostedZoneId, cancellationToken);
}

/// <summary>Runs an action (a test's or a benchmark's fault) the moment a change batch has been accepted.</summary>
public sealed class AfterChangeRoute53Client(IRoute53Client inner, Action afterAccepted) : DelegatingRoute53Client(inner)
{
    public override async Task<ChangeInfo> ChangeResourceRecordSetsAsync(string hostedZoneId, IReadOnlyList<Change> changes, string? comment = null, CancellationToken cancellationToken = default)
    {
        var info = await Inner.ChangeResourceRecordSetsAsync(hostedZoneId, changes, comment, cancellationToken);
        afterAccepted();
        return info;
    }
}
