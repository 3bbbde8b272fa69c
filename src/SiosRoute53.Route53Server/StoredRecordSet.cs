using System.Globalization;
using System.Xml.Linq;
using SiosRoute53.Route53;

namespace SiosRoute53.Route53Server;

/// <summary>An alias record's target (API reference, AliasTarget): all three fields are required.</summary>
public sealed record AliasTarget(string HostedZoneId, string DnsName, bool EvaluateTargetHealth);

/// <summary>A geolocation routing key (API reference, GeoLocation).</summary>
public sealed record GeoLocation(string? ContinentCode, string? CountryCode, string? SubdivisionCode);

/// <summary>
/// A record set with every field Route 53 keeps: values or an alias target, and the routing-policy fields
/// (SetIdentifier with Weight, Region, Failover, GeoLocation or MultiValueAnswer, and HealthCheckId).
/// <see cref="Name"/> is in stored form (<see cref="Route53Names"/>).
/// </summary>
public sealed record StoredRecordSet
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public long? Ttl { get; init; }
    public IReadOnlyList<string> Values { get; init; } = Array.Empty<string>();
    public AliasTarget? AliasTarget { get; init; }
    public string? SetIdentifier { get; init; }
    public long? Weight { get; init; }
    public string? Region { get; init; }
    public GeoLocation? GeoLocation { get; init; }
    public string? Failover { get; init; }
    public bool? MultiValueAnswer { get; init; }
    public string? HealthCheckId { get; init; }

    /// <summary>The routing policy's name, or null for a simple record.</summary>
    public string? Policy =>
        Weight is not null ? "weighted" : Region is not null ? "latency" : Failover is not null ? "failover"
        : GeoLocation is not null ? "geolocation" : MultiValueAnswer is not null ? "multivalue answer" : null;

    /// <summary>How many routing policies are given (Route 53 wants exactly one with a SetIdentifier).</summary>
    internal int PolicyCount =>
        (Weight is null ? 0 : 1) + (Region is null ? 0 : 1) + (Failover is null ? 0 : 1) + (GeoLocation is null ? 0 : 1) + (MultiValueAnswer is null ? 0 : 1);

    /// <summary>Same set, field by field: what a DELETE must repeat. Values compare as a set, as Route 53 does.</summary>
    public bool SameAs(StoredRecordSet other) =>
        Name == other.Name && Type == other.Type && Ttl == other.Ttl && AliasTarget == other.AliasTarget
        && SetIdentifier == other.SetIdentifier && Weight == other.Weight && Region == other.Region
        && GeoLocation == other.GeoLocation && Failover == other.Failover && MultiValueAnswer == other.MultiValueAnswer
        && HealthCheckId == other.HealthCheckId
        && Values.Order(StringComparer.Ordinal).SequenceEqual(other.Values.Order(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Same name, type and SetIdentifier: the key Route 53 finds a set by.</summary>
    public bool SameKey(StoredRecordSet other) => Name == other.Name && Type == other.Type && SetIdentifier == other.SetIdentifier;

    /// <summary>How Route 53's messages name a set: [name='app.example.com.', type='A', set-identifier='blue'].</summary>
    public string Label => $"[name='{Name}', type='{Type}'{(SetIdentifier is null ? "" : $", set-identifier='{SetIdentifier}'")}]";

    /// <summary>A simple record from the engine's model (the in-process seeding API and the DNS frontend use it).</summary>
    public static StoredRecordSet From(ResourceRecordSet set) => new()
    {
        Name = Route53Names.Canonical(set.Name),
        Type = set.Type.ToUpperInvariant(),
        Ttl = set.Ttl,
        Values = set.Values,
        SetIdentifier = set.SetIdentifier,
    };
}

/// <summary>One change of a batch, as the server applies it.</summary>
public sealed record RecordChange(ChangeAction Action, StoredRecordSet RecordSet);

/// <summary>The ResourceRecordSet element, both directions, with every member in the API model's order.</summary>
internal static class RecordSetXml
{
    private static XNamespace Ns => Route53Xml.Ns;

    public static XElement Element(StoredRecordSet set) =>
        new(Ns + "ResourceRecordSet",
            new XElement(Ns + "Name", set.Name),
            new XElement(Ns + "Type", set.Type),
            Optional("SetIdentifier", set.SetIdentifier),
            Optional("Weight", set.Weight?.ToString(CultureInfo.InvariantCulture)),
            Optional("Region", set.Region),
            set.GeoLocation is not { } geo ? null : new XElement(Ns + "GeoLocation",
                Optional("ContinentCode", geo.ContinentCode), Optional("CountryCode", geo.CountryCode), Optional("SubdivisionCode", geo.SubdivisionCode)),
            Optional("Failover", set.Failover),
            Optional("MultiValueAnswer", set.MultiValueAnswer is { } mv ? (mv ? "true" : "false") : null),
            Optional("TTL", set.Ttl?.ToString(CultureInfo.InvariantCulture)),
            set.Values.Count == 0 ? null : new XElement(Ns + "ResourceRecords",
                set.Values.Select(v => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", v)))),
            set.AliasTarget is not { } alias ? null : new XElement(Ns + "AliasTarget",
                new XElement(Ns + "HostedZoneId", alias.HostedZoneId),
                new XElement(Ns + "DNSName", alias.DnsName),
                new XElement(Ns + "EvaluateTargetHealth", alias.EvaluateTargetHealth ? "true" : "false")),
            Optional("HealthCheckId", set.HealthCheckId));

    private static XElement? Optional(string name, string? value) => value is null ? null : new XElement(Ns + name, value);

    /// <summary>
    /// Reads a request's ResourceRecordSet as the XML schema allows it. Names stay as sent (the caller stores them);
    /// a malformed element throws <see cref="FormatException"/> (answered as InvalidInput).
    /// </summary>
    public static StoredRecordSet Parse(XElement e, string where)
    {
        var geo = e.Element(Ns + "GeoLocation");
        var alias = e.Element(Ns + "AliasTarget");
        var records = e.Element(Ns + "ResourceRecords");
        if (records is not null && !records.Elements(Ns + "ResourceRecord").Any())
            throw new FormatException($"1 validation error detected: Value '[]' at '{where}.resourceRecords' failed to satisfy constraint: Member must have length greater than or equal to 1");
        return new StoredRecordSet
        {
            Name = Required(e, "Name", where),
            Type = Required(e, "Type", where),
            Ttl = Long(e, "TTL", where),
            Values = records?.Elements(Ns + "ResourceRecord").Select(r => Required(r, "Value", where + ".resourceRecords.member")).ToList()
                     ?? (IReadOnlyList<string>)Array.Empty<string>(),
            AliasTarget = alias is null ? null : new AliasTarget(
                Required(alias, "HostedZoneId", where + ".aliasTarget"),
                Required(alias, "DNSName", where + ".aliasTarget"),
                Bool(alias, "EvaluateTargetHealth", where + ".aliasTarget") ?? throw Missing("EvaluateTargetHealth", where + ".aliasTarget")),
            SetIdentifier = (string?)e.Element(Ns + "SetIdentifier"),
            Weight = Long(e, "Weight", where),
            Region = (string?)e.Element(Ns + "Region"),
            GeoLocation = geo is null ? null : new GeoLocation(
                (string?)geo.Element(Ns + "ContinentCode"), (string?)geo.Element(Ns + "CountryCode"), (string?)geo.Element(Ns + "SubdivisionCode")),
            Failover = (string?)e.Element(Ns + "Failover"),
            MultiValueAnswer = Bool(e, "MultiValueAnswer", where),
            HealthCheckId = (string?)e.Element(Ns + "HealthCheckId"),
        };
    }

    private static string Required(XElement parent, string name, string where) =>
        (string?)parent.Element(Ns + name) ?? throw Missing(name, where);

    private static FormatException Missing(string name, string where) =>
        new($"1 validation error detected: Value null at '{where}.{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");

    private static long? Long(XElement parent, string name, string where)
    {
        string? text = (string?)parent.Element(Ns + name);
        if (text is null) return null;
        return long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"Invalid XML ; {name} '{text}' at '{where}' is not a whole number.");
    }

    private static bool? Bool(XElement parent, string name, string where) =>
        ((string?)parent.Element(Ns + name))?.Trim() switch
        {
            null => null,
            "true" => true,
            "false" => false,
            var other => throw new FormatException($"Invalid XML ; {name} '{other}' at '{where}' is not true or false."),
        };
}
