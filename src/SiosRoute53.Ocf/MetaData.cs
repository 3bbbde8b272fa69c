using System.Xml.Linq;

namespace SiosRoute53.Ocf;

/// <summary>The agent's OCF 1.1 meta-data, built from the parameter catalogue so every parameter is described.</summary>
public static class MetaData
{
    public const string AgentName = "route53";

    /// <summary>Suggested timeouts: start covers the INSYNC budget (ROUTE53_CHANGEID_INTERVAL 20 s × TRY_COUNT 5) plus retries.</summary>
    public static readonly IReadOnlyList<(string Action, string Timeout, string? Interval, string? Depth)> Actions = new (string, string, string?, string?)[]
    {
        ("start", "180s", null, null),
        ("stop", "20s", null, null),
        ("monitor", "40s", "10s", "0"),
        ("validate-all", "30s", null, null),
        ("meta-data", "5s", null, null),
    };

    public static string Xml(string version)
    {
        var doc = new XDocument(
            new XDocumentType("resource-agent", null, "ra-api-1.dtd", null),
            new XElement("resource-agent", new XAttribute("name", AgentName), new XAttribute("version", version),
                new XElement("version", "1.1"),
                new XElement("longdesc", new XAttribute("lang", "en"), """
                    Keeps a Route 53 A record pointing at the node where this resource is started, with SiosRoute53's engine.
                    start writes the record with a compare-and-swap (DELETE the value read + CREATE this node's address, in one
                    batch with the ownership mark TXT record _siosroute53.<fullname>), follows the change until Route 53 reports
                    INSYNC, reads it back, and fails unless the record is then this node's. stop leaves the record for the next
                    owner. monitor reads the hosted zone once per interval for every resource of this node in it (shared
                    between the agent processes), says running only when the record holds this node's address and the mark
                    names this node, fails when it finds the record elsewhere, and logs - but does not fail on - a Route 53
                    outage. Wrong credentials or permissions fail start and validate-all as configuration errors; a
                    running resource's monitor logs them as errors but does not fail (a rotated secret must not stop the
                    service on every node). A record made by hand, by
                    ocf:heartbeat:aws-vpc-route53 or by another cluster is not overwritten unless adopt=true.
                    The parameters of ocf:heartbeat:aws-vpc-route53 are accepted with their names and defaults.
                    IAM actions needed: route53:ListResourceRecordSets, route53:ChangeResourceRecordSets, route53:GetChange
                    (route53:GetHostedZone for validate-all; sts:AssumeRole with role_arn).
                    """),
                new XElement("shortdesc", new XAttribute("lang", "en"), "Route 53 A record that follows the resource (SiosRoute53)"),
                new XElement("parameters", AgentParameter.All.Select(p =>
                    new XElement("parameter", new XAttribute("name", p.Name), new XAttribute("unique", p.Unique ? "1" : "0"), new XAttribute("required", p.Required ? "1" : "0"),
                        new XElement("longdesc", new XAttribute("lang", "en"), p.LongDesc),
                        new XElement("shortdesc", new XAttribute("lang", "en"), p.ShortDesc),
                        new XElement("content", new XAttribute("type", p.Type), p.Default is null ? null : new XAttribute("default", p.Default))))),
                new XElement("actions", Actions.Select(a =>
                    new XElement("action", new XAttribute("name", a.Action), new XAttribute("timeout", a.Timeout),
                        a.Interval is null ? null : new XAttribute("interval", a.Interval),
                        a.Depth is null ? null : new XAttribute("depth", a.Depth))))));
        return doc.Declaration is null ? "<?xml version=\"1.0\"?>\n" + doc : doc.ToString();
    }
}
