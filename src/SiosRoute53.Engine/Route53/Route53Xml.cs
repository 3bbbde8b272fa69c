using System.Globalization;
using System.Xml.Linq;

namespace SiosRoute53.Route53;

/// <summary>
/// The Route 53 REST-XML wire format (API version 2013-04-01), both directions: the client writes requests and
/// reads responses, the Route 53-compatible server does the opposite. One place, so both sides agree.
/// </summary>
public static class Route53Xml
{
    public static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    public const string ApiVersion = "2013-04-01";

    // ---- elements --------------------------------------------------------------------------------------------

    public static XElement HostedZoneElement(HostedZone zone) =>
        new(Ns + "HostedZone",
            new XElement(Ns + "Id", "/hostedzone/" + zone.ShortId),
            new XElement(Ns + "Name", zone.Name),
            new XElement(Ns + "CallerReference", zone.CallerReference),
            new XElement(Ns + "Config",
                zone.Comment is null ? null : new XElement(Ns + "Comment", zone.Comment),
                new XElement(Ns + "PrivateZone", zone.PrivateZone ? "true" : "false")),
            new XElement(Ns + "ResourceRecordSetCount", zone.ResourceRecordSetCount));

    public static HostedZone ParseHostedZone(XElement e)
    {
        var config = e.Element(Ns + "Config");
        return new HostedZone(
            Required(e, "Id"),
            Required(e, "Name"),
            (string?)e.Element(Ns + "CallerReference") ?? "",
            (string?)config?.Element(Ns + "Comment"),
            ParseBool((string?)config?.Element(Ns + "PrivateZone")),
            long.TryParse((string?)e.Element(Ns + "ResourceRecordSetCount"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0);
    }

    /// <summary>A ResourceRecordSet element in the order of the API model: Name, Type, SetIdentifier, TTL, ResourceRecords, AliasTarget, HealthCheckId.</summary>
    public static XElement RecordSetElement(ResourceRecordSet set) =>
        new(Ns + "ResourceRecordSet",
            new XElement(Ns + "Name", set.Name),
            new XElement(Ns + "Type", set.Type),
            set.SetIdentifier is null ? null : new XElement(Ns + "SetIdentifier", set.SetIdentifier),
            set.Ttl is null ? null : new XElement(Ns + "TTL", set.Ttl.Value.ToString(CultureInfo.InvariantCulture)),
            set.Values.Count == 0 ? null : new XElement(Ns + "ResourceRecords",
                set.Values.Select(v => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", v)))),
            set.AliasTarget is not { } alias ? null : new XElement(Ns + "AliasTarget",
                new XElement(Ns + "HostedZoneId", alias.HostedZoneId),
                new XElement(Ns + "DNSName", alias.DnsName),
                new XElement(Ns + "EvaluateTargetHealth", alias.EvaluateTargetHealth ? "true" : "false")),
            set.HealthCheckId is null ? null : new XElement(Ns + "HealthCheckId", set.HealthCheckId));

    public static ResourceRecordSet ParseRecordSet(XElement e)
    {
        string? ttlText = (string?)e.Element(Ns + "TTL");
        long? ttl = null;
        if (ttlText is not null)
        {
            if (!long.TryParse(ttlText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var t))
                throw new FormatException($"TTL '{ttlText}' is not a whole number.");
            ttl = t;
        }
        var values = e.Element(Ns + "ResourceRecords")?.Elements(Ns + "ResourceRecord")
            .Select(r => Required(r, "Value")).ToList() ?? new List<string>();
        var alias = e.Element(Ns + "AliasTarget");
        return new ResourceRecordSet(Required(e, "Name"), Required(e, "Type"), ttl, values)
        {
            SetIdentifier = (string?)e.Element(Ns + "SetIdentifier"),
            AliasTarget = alias is null ? null : new AliasTarget(Required(alias, "HostedZoneId"), Required(alias, "DNSName"),
                ParseBool((string?)alias.Element(Ns + "EvaluateTargetHealth"))),
            HealthCheckId = (string?)e.Element(Ns + "HealthCheckId"),
        };
    }

    public static XElement ChangeInfoElement(ChangeInfo info) =>
        new(Ns + "ChangeInfo",
            new XElement(Ns + "Id", "/change/" + info.ShortId),
            new XElement(Ns + "Status", info.Status.ToString()),
            new XElement(Ns + "SubmittedAt", info.SubmittedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
            info.Comment is null ? null : new XElement(Ns + "Comment", info.Comment));

    public static ChangeInfo ParseChangeInfo(XElement e) =>
        new(Required(e, "Id"),
            Enum.Parse<ChangeStatus>(Required(e, "Status"), ignoreCase: true),
            DateTimeOffset.Parse(Required(e, "SubmittedAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            (string?)e.Element(Ns + "Comment"));

    // ---- requests --------------------------------------------------------------------------------------------

    public static XDocument ChangeBatchRequest(IReadOnlyList<Change> changes, string? comment) =>
        new(new XDeclaration("1.0", "UTF-8", null),
            new XElement(Ns + "ChangeResourceRecordSetsRequest",
                new XElement(Ns + "ChangeBatch",
                    comment is null ? null : new XElement(Ns + "Comment", comment),
                    new XElement(Ns + "Changes", changes.Select(c =>
                        new XElement(Ns + "Change",
                            new XElement(Ns + "Action", c.Action.ToString()),
                            RecordSetElement(c.RecordSet)))))));

    public static (IReadOnlyList<Change> Changes, string? Comment) ParseChangeBatchRequest(XDocument doc)
    {
        var batch = Root(doc, "ChangeResourceRecordSetsRequest").Element(Ns + "ChangeBatch")
            ?? throw new FormatException("The request has no ChangeBatch element.");
        var changes = batch.Element(Ns + "Changes")?.Elements(Ns + "Change").Select(c =>
        {
            string action = Required(c, "Action");
            if (!Enum.TryParse<ChangeAction>(action, ignoreCase: false, out var a) || !Enum.IsDefined(a))
                throw new FormatException($"Action '{action}' is not CREATE, DELETE or UPSERT.");
            var set = c.Element(Ns + "ResourceRecordSet") ?? throw new FormatException("A Change has no ResourceRecordSet.");
            return new Change(a, ParseRecordSet(set));
        }).ToList() ?? new List<Change>();
        return (changes, (string?)batch.Element(Ns + "Comment"));
    }

    public static XDocument CreateHostedZoneRequest(string name, string callerReference, string? comment, bool privateZone) =>
        new(new XDeclaration("1.0", "UTF-8", null),
            new XElement(Ns + "CreateHostedZoneRequest",
                new XElement(Ns + "Name", name),
                new XElement(Ns + "CallerReference", callerReference),
                new XElement(Ns + "HostedZoneConfig",
                    comment is null ? null : new XElement(Ns + "Comment", comment),
                    new XElement(Ns + "PrivateZone", privateZone ? "true" : "false"))));

    public static (string Name, string CallerReference, string? Comment, bool PrivateZone) ParseCreateHostedZoneRequest(XDocument doc)
    {
        var root = Root(doc, "CreateHostedZoneRequest");
        var config = root.Element(Ns + "HostedZoneConfig");
        return (Required(root, "Name"), Required(root, "CallerReference"),
            (string?)config?.Element(Ns + "Comment"),
            ParseBool((string?)config?.Element(Ns + "PrivateZone")) || root.Element(Ns + "VPC") is not null);
    }

    // ---- responses -------------------------------------------------------------------------------------------

    public static XDocument Response(string rootName, params object?[] content) =>
        new(new XDeclaration("1.0", "UTF-8", null), new XElement(Ns + rootName, content));

    public static XElement Element(string name, object? value) => new(Ns + name, value);

    public static HostedZonePage ParseListHostedZones(XDocument doc)
    {
        var root = Root(doc, "ListHostedZonesResponse");
        return new HostedZonePage(
            root.Element(Ns + "HostedZones")?.Elements(Ns + "HostedZone").Select(ParseHostedZone).ToList() ?? new(),
            ParseBool((string?)root.Element(Ns + "IsTruncated")),
            (string?)root.Element(Ns + "NextMarker"),
            ParseInt((string?)root.Element(Ns + "MaxItems")));
    }

    public static HostedZonesByNamePage ParseListHostedZonesByName(XDocument doc)
    {
        var root = Root(doc, "ListHostedZonesByNameResponse");
        return new HostedZonesByNamePage(
            root.Element(Ns + "HostedZones")?.Elements(Ns + "HostedZone").Select(ParseHostedZone).ToList() ?? new(),
            ParseBool((string?)root.Element(Ns + "IsTruncated")),
            (string?)root.Element(Ns + "NextDNSName"),
            (string?)root.Element(Ns + "NextHostedZoneId"),
            ParseInt((string?)root.Element(Ns + "MaxItems")));
    }

    public static RecordSetPage ParseListRecordSets(XDocument doc)
    {
        var root = Root(doc, "ListResourceRecordSetsResponse");
        return new RecordSetPage(
            root.Element(Ns + "ResourceRecordSets")?.Elements(Ns + "ResourceRecordSet").Select(ParseRecordSet).ToList() ?? new(),
            ParseBool((string?)root.Element(Ns + "IsTruncated")),
            (string?)root.Element(Ns + "NextRecordName"),
            (string?)root.Element(Ns + "NextRecordType"),
            (string?)root.Element(Ns + "NextRecordIdentifier"),
            ParseInt((string?)root.Element(Ns + "MaxItems")));
    }

    public static XElement Root(XDocument doc, string expected)
    {
        var root = doc.Root ?? throw new FormatException("The XML document is empty.");
        if (root.Name != Ns + expected)
            throw new FormatException($"Expected element {expected} in namespace {Ns}, found {root.Name}.");
        return root;
    }

    // ---- errors ----------------------------------------------------------------------------------------------

    /// <summary>Route 53's error body: ErrorResponse/Error/{Type,Code,Message} plus RequestId.</summary>
    public static XDocument ErrorResponse(string code, string message, string requestId, bool senderFault) =>
        Response("ErrorResponse",
            new XElement(Ns + "Error",
                new XElement(Ns + "Type", senderFault ? "Sender" : "Receiver"),
                new XElement(Ns + "Code", code),
                new XElement(Ns + "Message", message)),
            new XElement(Ns + "RequestId", requestId));

    /// <summary>InvalidChangeBatch has its own root element and a list of messages.</summary>
    public static XDocument InvalidChangeBatchResponse(IReadOnlyList<string> messages, string requestId) =>
        Response("InvalidChangeBatch",
            new XElement(Ns + "Messages", messages.Select(m => new XElement(Ns + "Message", m))),
            new XElement(Ns + "RequestId", requestId));

    /// <summary>Reads either error form. Returns null when the body is not a Route 53 error document.</summary>
    public static (string Code, string Message, IReadOnlyList<string> Messages, string? RequestId)? ParseError(XDocument doc)
    {
        var root = doc.Root;
        if (root is null) return null;
        XNamespace ns = root.Name.Namespace;
        string? requestId = (string?)root.Element(ns + "RequestId");
        if (root.Name.LocalName == "InvalidChangeBatch")
        {
            var messages = root.Element(ns + "Messages")?.Elements(ns + "Message").Select(m => m.Value).ToList() ?? new List<string>();
            string? single = (string?)root.Element(ns + "message") ?? (string?)root.Element(ns + "Message");
            if (single is not null) messages.Add(single);
            return ("InvalidChangeBatch", string.Join(" ", messages), messages, requestId);
        }
        var error = root.Element(ns + "Error");
        if (root.Name.LocalName != "ErrorResponse" || error is null) return null;
        string code = (string?)error.Element(ns + "Code") ?? "Unknown";
        string message = (string?)error.Element(ns + "Message") ?? "";
        return (code, message, new[] { message }, requestId);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static string Required(XElement parent, string name) =>
        (string?)parent.Element(Ns + name) ?? throw new FormatException($"Element {parent.Name.LocalName} has no {name}.");

    private static bool ParseBool(string? text) => string.Equals(text?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    private static int ParseInt(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
