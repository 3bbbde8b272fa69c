using SiosRoute53.Route53;

namespace SiosRoute53.Kits;

/// <summary>
/// The TXT record beside a managed A record that says which cluster, resource and node own it:
/// <c>_siosroute53.app.corp.example. TXT "siosroute53 cluster=lab resource=app-dns node=node1"</c>.
/// It changes in the same batch as the A record, so the two never disagree.
/// </summary>
public sealed record OwnershipMark(string Cluster, string Resource, string Node)
{
    public const string Prefix = "_siosroute53.";
    private const string Marker = "siosroute53";

    public static string NameFor(string recordName) => Prefix + DnsNames.Normalize(recordName);

    public string Value => $"\"{Marker} cluster={Cluster} resource={Resource} node={Node}\"";

    public ResourceRecordSet ToRecordSet(string recordName, long ttl) => new(NameFor(recordName), "TXT", ttl, new[] { Value });

    /// <summary>Reads a mark from a TXT record set; null when it is not one of ours.</summary>
    public static OwnershipMark? Parse(ResourceRecordSet? set)
    {
        if (set is null || set.Type != "TXT") return null;
        foreach (var value in set.Values)
        {
            var words = value.Trim('"').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0 || words[0] != Marker) continue;
            var fields = words.Skip(1).Select(w => w.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            if (fields.TryGetValue("cluster", out var c) && fields.TryGetValue("resource", out var r) && fields.TryGetValue("node", out var n))
                return new OwnershipMark(c, r, n);
        }
        return null;
    }
}
