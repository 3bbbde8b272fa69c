namespace SiosRoute53.Route53;

// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum ChangeAction : long { CREATE, DELETE, UPSERT }

// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum ChangeStatus : long { PENDING, INSYNC }

public sealed record HostedZone(
    string Id,
    string Name,
    string CallerReference,
    string? Comment,
    bool PrivateZone,
    long ResourceRecordSetCount)
{
    /// <summary>The bare id (Z…), without the /hostedzone/ prefix.</summary>
    public string ShortId => Route53Ids.BareZoneId(Id);
}

/// <summary>
/// Where an alias record points: another record set or an AWS resource, by its hosted zone and DNS name. An alias record
/// has no TTL and no values of its own; a DELETE must repeat its target exactly.
/// </summary>
public sealed record AliasTarget(string HostedZoneId, string DnsName, bool EvaluateTargetHealth)
{
    /// <summary>Same zone id, same name (as DNS compares names) and the same EvaluateTargetHealth.</summary>
    public bool Matches(AliasTarget other) =>
        string.Equals(Route53Ids.BareZoneId(HostedZoneId), Route53Ids.BareZoneId(other.HostedZoneId), StringComparison.OrdinalIgnoreCase)
        && DnsNames.Equal(DnsName, other.DnsName)
        && EvaluateTargetHealth == other.EvaluateTargetHealth;

    public override string ToString() => $"alias to {DnsName} (zone {HostedZoneId}{(EvaluateTargetHealth ? ", evaluating target health" : "")})";
}

public sealed record ResourceRecordSet(string Name, string Type, long? Ttl, IReadOnlyList<string> Values)
{
    public string? SetIdentifier { get; init; }

    /// <summary>Set on alias records; they have no TTL and no values.</summary>
    public AliasTarget? AliasTarget { get; init; }

    /// <summary>The Route 53 health check the record is answered by, when it has one.</summary>
    public string? HealthCheckId { get; init; }

    /// <summary>
    /// Same name (as DNS compares names, escapes included), type, TTL, values (in any order), set identifier, alias
    /// target and health check: what a DELETE must match.
    /// </summary>
    public bool MatchesExactly(ResourceRecordSet other) =>
        DnsNames.Equal(Name, other.Name)
        && string.Equals(Type, other.Type, StringComparison.OrdinalIgnoreCase)
        && Ttl == other.Ttl
        && string.Equals(SetIdentifier, other.SetIdentifier, StringComparison.Ordinal)
        && (AliasTarget is null ? other.AliasTarget is null : other.AliasTarget is not null && AliasTarget.Matches(other.AliasTarget))
        && string.Equals(HealthCheckId, other.HealthCheckId, StringComparison.Ordinal)
        && Values.Count == other.Values.Count
        && Values.OrderBy(v => v, StringComparer.Ordinal).SequenceEqual(other.Values.OrderBy(v => v, StringComparer.Ordinal), StringComparer.Ordinal);

    public override string ToString() => AliasTarget is { } alias
        ? $"{Name} {Type} {alias}"
        : $"{Name} {Type} {Ttl} [{string.Join(", ", Values)}]";
}

public sealed record Change(ChangeAction Action, ResourceRecordSet RecordSet);

public sealed record ChangeInfo(string Id, ChangeStatus Status, DateTimeOffset SubmittedAt, string? Comment)
{
    public string ShortId => Route53Ids.BareChangeId(Id);
}

public sealed record HostedZonePage(
    IReadOnlyList<HostedZone> HostedZones, bool IsTruncated, string? NextMarker, int MaxItems);

public sealed record HostedZonesByNamePage(
    IReadOnlyList<HostedZone> HostedZones, bool IsTruncated, string? NextDnsName, string? NextHostedZoneId, int MaxItems);

public sealed record RecordSetPage(
    IReadOnlyList<ResourceRecordSet> RecordSets,
    bool IsTruncated,
    string? NextRecordName,
    string? NextRecordType,
    string? NextRecordIdentifier,
    int MaxItems);

public static class Route53Ids
{
    public static string BareZoneId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        id = id.Trim();
        const string prefix = "/hostedzone/";
        if (id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return id[prefix.Length..];
        if (id.StartsWith("hostedzone/", StringComparison.OrdinalIgnoreCase)) return id["hostedzone/".Length..];
        return id;
    }

    public static string BareChangeId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        id = id.Trim();
        const string prefix = "/change/";
        if (id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return id[prefix.Length..];
        if (id.StartsWith("change/", StringComparison.OrdinalIgnoreCase)) return id["change/".Length..];
        return id;
    }
}
