using SiosRoute53.Route53;

namespace SiosRoute53.Kits;

/// <summary>
/// The TXT record beside a managed A record that says which cluster, resource and node own it, and the ownership
/// generation: <c>_siosroute53.app.corp.example. TXT "siosroute53 cluster=lab resource=app-dns node=node1 generation=3"</c>.
/// It changes in the same batch as the A record, so the two never disagree. Two marks are equal when they name the
/// same owner, whatever their generations.
/// </summary>
public sealed record OwnershipMark(string Cluster, string Resource, string Node)
{
    public const string Prefix = "_siosroute53.";
    private const string Marker = "siosroute53";
    private static readonly AsyncLocal<GenerationClaim?> Claimed = new();

    /// <summary>Grows with every new owner; 0 in marks written before generations existed.</summary>
    public long Generation { get; init; }

    public static string NameFor(string recordName) => Prefix + DnsNames.Normalize(recordName);

    public string Value => $"\"{Marker} cluster={Cluster} resource={Resource} node={Node}" + (Generation > 0 ? $" generation={Generation}" : "") + "\"";

    public ResourceRecordSet ToRecordSet(string recordName, long ttl) => new(NameFor(recordName), "TXT", ttl, new[] { Value });

    public bool Equals(OwnershipMark? other) => other is not null && Cluster == other.Cluster && Resource == other.Resource && Node == other.Node;

    public override int GetHashCode() => HashCode.Combine(Cluster, Resource, Node);

    /// <summary>The claim (or the operator's start observed) running in this async flow, where the kit says which generation it wrote.</summary>
    public static GenerationClaim? CurrentClaim => Claimed.Value;

    /// <summary>Claims <paramref name="generation"/> for the restores started in this async flow until disposed.</summary>
    public static GenerationClaim ClaimGeneration(long generation)
    {
        var claim = new GenerationClaim(generation, Claimed.Value);
        Claimed.Value = claim;
        return claim;
    }

    /// <summary>
    /// An operator's start (no agent claim): the kit picks the generation after the mark's, and says which it wrote,
    /// so the node keeps it and its agent reports it. Null inside an agent's claim, which already learns what it wrote.
    /// </summary>
    public static GenerationClaim? ObserveGeneration()
    {
        if (Claimed.Value is not null) return null;
        var observer = new GenerationClaim(null, null);
        Claimed.Value = observer;
        return observer;
    }

    /// <summary>
    /// An agent's claim on a record's ownership: the generation it claims, and the one the mark holds once the kit
    /// wrote it (or found it already this node's), so the agent learns and keeps what it wrote.
    /// </summary>
    public sealed class GenerationClaim : IDisposable
    {
        private readonly GenerationClaim? _outer;

        internal GenerationClaim(long? generation, GenerationClaim? outer)
        {
            Generation = generation;
            _outer = outer;
        }

        /// <summary>The generation claimed; null for an operator's start, which takes the one after the mark's.</summary>
        public long? Generation { get; }

        /// <summary>The highest generation a mark naming this node held after this claim's restores; null until one did.</summary>
        public long? Written { get; private set; }

        internal void Wrote(long generation) => Written = Math.Max(Written ?? 0, generation);

        /// <summary>The other node whose mark refused this claim (not older than it), and that mark's generation.</summary>
        public (string Node, long Generation)? RefusedBy { get; private set; }

        internal void Refused(string node, long generation) => RefusedBy = (node, generation);

        public void Dispose() => Claimed.Value = _outer;
    }

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
                return new OwnershipMark(c, r, n) { Generation = fields.TryGetValue("generation", out var g) && long.TryParse(g, out var gen) && gen > 0 ? gen : 0 };
        }
        return null;
    }
}
