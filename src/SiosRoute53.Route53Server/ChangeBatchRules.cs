using System.Net;
using SiosRoute53.Route53;

namespace SiosRoute53.Route53Server;

/// <summary>
/// The checks Route 53 makes on a ChangeResourceRecordSets request before it looks at the zone (API reference,
/// ChangeResourceRecordSets and ResourceRecordSet; Developer Guide, DNSLimitations). Malformed input is
/// InvalidInput (the first problem); a request over the limits is InvalidChangeBatch.
/// </summary>
internal static class ChangeBatchRules
{
    public const int MaxResourceRecords = 1000;
    public const int MaxValueCharacters = 32_000;
    public const int MaxTxtStringLength = 255;

    /// <summary>The record types Route 53 accepts (the API model's RRType).</summary>
    public static readonly IReadOnlySet<string> RecordTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "SOA", "A", "TXT", "NS", "CNAME", "MX", "NAPTR", "PTR", "SRV", "SPF", "AAAA", "CAA", "DS", "TLSA", "SSHFP", "SVCB", "HTTPS",
    };

    /// <summary>
    /// DNSLimitations: at most 1,000 ResourceRecord elements and 32,000 characters of Value in one request; an
    /// UPSERT counts twice for both.
    /// </summary>
    public static void CheckLimits(IReadOnlyList<RecordChange> changes)
    {
        long records = 0, characters = 0;
        foreach (var change in changes)
        {
            int weight = change.Action == ChangeAction.UPSERT ? 2 : 1;
            records += weight * change.RecordSet.Values.Count;
            characters += weight * change.RecordSet.Values.Sum(v => (long)v.Length);
        }
        if (records > MaxResourceRecords)
            throw Batch($"Number of records limit of {MaxResourceRecords} exceeded.");
        if (characters > MaxValueCharacters)
            throw Batch($"Number of characters limit of {MaxValueCharacters} exceeded.");
    }

    /// <summary>
    /// One change's shape: a known type, a valid name, TTL and weight in range, exactly one of AliasTarget or
    /// TTL with ResourceRecords, and a SetIdentifier exactly when there is a routing policy. Returns the set
    /// with its names in stored form.
    /// </summary>
    public static StoredRecordSet CheckInput(RecordChange change)
    {
        var set = change.RecordSet;
        string context = $"Change with [Action={change.Action}, Name={set.Name}, Type={set.Type}, SetIdentifier={set.SetIdentifier ?? "null"}]";
        if (!RecordTypes.Contains(set.Type))
            throw Input($"Invalid request: Type '{set.Type}' is not one of {string.Join(", ", RecordTypes)} in {context}");
        string name = Route53Names.TryCanonical(set.Name, out var problem)
            ?? throw Batch($"Domain name '{set.Name}' is not valid: {problem}");

        bool hasAlias = set.AliasTarget is not null;
        bool anyRecordPart = set.Ttl is not null || set.Values.Count > 0;
        if (hasAlias ? anyRecordPart : !(set.Ttl is not null && set.Values.Count > 0))
            throw Input($"Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found {(hasAlias ? "more than one" : "none")} in {context}");
        if (set.Ttl is < 0 or > 2147483647)
            throw Input($"1 validation error detected: Value '{set.Ttl}' at 'changeBatch.changes.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value between 0 and 2147483647");

        int policies = set.PolicyCount;
        if (set.SetIdentifier is not null && policies == 0)
            throw Input($"Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, or MultiValueAnswer], but found none in {context}");
        if (set.SetIdentifier is null && policies > 0)
            throw Input($"Invalid request: Missing field 'SetIdentifier' in {context}");
        if (policies > 1)
            throw Input($"Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, or MultiValueAnswer], but found more than one in {context}");
        if (set.SetIdentifier is { Length: 0 or > 128 })
            throw Input($"1 validation error detected: SetIdentifier '{set.SetIdentifier}' must be 1 to 128 characters long in {context}");
        if (set.Weight is < 0 or > 255)
            throw Input($"1 validation error detected: Value '{set.Weight}' at 'changeBatch.changes.member.resourceRecordSet.weight' failed to satisfy constraint: Member must have value between 0 and 255");
        if (set.Failover is not (null or "PRIMARY" or "SECONDARY"))
            throw Input($"1 validation error detected: Value '{set.Failover}' at 'changeBatch.changes.member.resourceRecordSet.failover' failed to satisfy constraint: Member must satisfy enum value set: [PRIMARY, SECONDARY]");
        if (set.Region is { Length: 0 or > 64 })
            throw Input($"1 validation error detected: Region '{set.Region}' must be 1 to 64 characters long in {context}");
        if (set.GeoLocation is { } geo)
        {
            if (geo.ContinentCode is null && geo.CountryCode is null)
                throw Input($"Invalid request: GeoLocation needs a ContinentCode or a CountryCode in {context}");
            if (geo.ContinentCode is not null && (geo.CountryCode is not null || geo.SubdivisionCode is not null))
                throw Input($"Invalid request: GeoLocation may not give a ContinentCode with a CountryCode or SubdivisionCode in {context}");
        }
        if (set.HealthCheckId is { Length: > 64 })
            throw Input($"1 validation error detected: HealthCheckId '{set.HealthCheckId}' is longer than 64 characters in {context}");

        AliasTarget? alias = set.AliasTarget;
        if (alias is not null)
        {
            if (alias.HostedZoneId.Length is 0 or > 32)
                throw Input($"1 validation error detected: AliasTarget HostedZoneId '{alias.HostedZoneId}' must be 1 to 32 characters long in {context}");
            string target = Route53Names.TryCanonical(alias.DnsName, out var aliasProblem)
                ?? throw Batch($"Alias target '{alias.DnsName}' is not a valid domain name: {aliasProblem}");
            alias = alias with { HostedZoneId = Route53Ids.BareZoneId(alias.HostedZoneId), DnsName = target };
        }
        return set with { Name = name, AliasTarget = alias };
    }

    /// <summary>Checks on the values of one set that Route 53 reports as InvalidChangeBatch; null when they are fine.</summary>
    public static string? CheckValues(StoredRecordSet set)
    {
        if (set.Type == "A")
            foreach (var v in set.Values)
                if (!IPAddress.TryParse(v, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || v.Split('.').Length != 4)
                    return $"ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '{v}'";
        if (set.Type is "TXT" or "SPF")
            foreach (var v in set.Values)
            {
                var strings = TxtStrings(v);
                if (strings is null)
                    return $"Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '{v}''";
                if (strings.Any(s => s.Length > MaxTxtStringLength))
                    return $"Invalid Resource Record: 'FATAL problem: TXTRDATATooLong (Value is too long) encountered with '{v}''";
            }
        return null;
    }

    /// <summary>The character strings of a TXT value ("a" "b"), unescaped; null when it is not quoted strings.</summary>
    public static List<string>? TxtStrings(string value)
    {
        var result = new List<string>();
        int i = 0;
        while (i < value.Length)
        {
            if (value[i] == ' ') { i++; continue; }
            if (value[i] != '"') return null;
            var sb = new System.Text.StringBuilder();
            int j = i + 1;
            for (; j < value.Length && value[j] != '"'; j++)
            {
                if (value[j] == '\\' && j + 1 < value.Length) j++;
                sb.Append(value[j]);
            }
            if (j >= value.Length) return null;
            result.Add(sb.ToString());
            i = j + 1;
        }
        return result.Count == 0 ? null : result;
    }

    private static ApiError Input(string message) => new(HttpStatusCode.BadRequest, ErrorCodes.InvalidInput, message);

    private static ApiError Batch(string message) => ApiError.InvalidChangeBatch(new[] { message });
}
