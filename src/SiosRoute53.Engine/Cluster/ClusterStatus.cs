using System.Net;
using System.Text;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cluster;

// Get-HaStatus: the whole cluster at a glance, like lcdstatus or pcs status. Every value is a plain property (names
// as strings, numbers as numbers) so that ConvertTo-Json and Where-Object work on it; Render() is the 80-column text.

/// <summary>How this node sees quorum: the mode, the votes it can reach, the witnesses.</summary>
public sealed class HaQuorumStatus
{
    public required string Mode { get; init; }
    public int Votes { get; init; }
    public int Reachable { get; init; }
    public int Needed { get; init; }

    /// <summary>This node's agent's own verdict; null when the agent did not answer (or there is no cluster).</summary>
    public bool? HasQuorum { get; init; }
    public required string WitnessMode { get; init; }
    public IReadOnlyList<string> Witnesses { get; init; } = Array.Empty<string>();
}

/// <summary>One member as it answered (or not): its role, whether it is reachable, its paths, what it has in service.</summary>
public sealed class HaMemberStatus
{
    public required string Name { get; init; }
    public required string Role { get; init; }
    public required bool Reachable { get; init; }
    public bool? Quorum { get; init; }
    public required string Paths { get; init; }
    public required string InService { get; init; }
    public string? Problem { get; init; }
}

/// <summary>A resource's state and priority on one node; State is "?" when that node could not be asked.</summary>
public sealed class HaNodeState
{
    public required string Node { get; init; }
    public required string State { get; init; }
    public int Priority { get; init; }
}

/// <summary>One line of a hierarchy tree: a resource, its depth under the root, and its state on every node.</summary>
public sealed class HaHierarchyLine
{
    public required string Hierarchy { get; init; }
    public int Depth { get; init; }
    public required string Tag { get; init; }
    public required string Kind { get; init; }
    public required IReadOnlyList<HaNodeState> Nodes { get; init; }

    /// <summary>The states in one cell each, "ISP 1" (state, priority).</summary>
    public string StateOn(string node) =>
        Nodes.FirstOrDefault(n => n.Node.Equals(node, StringComparison.OrdinalIgnoreCase)) is { } s ? $"{s.State} {s.Priority}" : "-";
}

/// <summary>A route53 resource's record as Route 53 holds it now: its value, which node that is, and the ownership mark.</summary>
public sealed class HaRecordStatus
{
    public required string Tag { get; init; }
    public required string Record { get; init; }
    public required string ZoneId { get; init; }

    /// <summary>The A record's values, comma-separated; empty when there is none.</summary>
    public required string Value { get; init; }

    /// <summary>The node whose own address the record holds, when it holds one of them.</summary>
    public string? PointsTo { get; init; }

    /// <summary>The ownership mark: "node (cluster name)", or empty when no SiosRoute53 cluster owns the record.</summary>
    public required string Owner { get; init; }
    public long? Ttl { get; init; }

    /// <summary>Why the record could not be read or judged; null when it was read.</summary>
    public string? Problem { get; init; }
}

/// <summary>The whole cluster at a glance (Get-HaStatus).</summary>
public sealed class HaStatus
{
    public required string Cluster { get; init; }
    public required string Node { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required HaQuorumStatus Quorum { get; init; }
    public IReadOnlyList<HaMemberStatus> Members { get; init; } = Array.Empty<HaMemberStatus>();

    /// <summary>The nodes that hold resources, in member order (this node alone without a cluster).</summary>
    public IReadOnlyList<string> Nodes { get; init; } = Array.Empty<string>();
    public IReadOnlyList<HaHierarchyLine> Hierarchies { get; init; } = Array.Empty<HaHierarchyLine>();
    public IReadOnlyList<HaRecordStatus> Records { get; init; } = Array.Empty<HaRecordStatus>();

    /// <summary>Route 53 calls made to read the records (one zone read for all records of a zone).</summary>
    public int ApiCalls { get; init; }
    public HaEvent? LastFailover { get; init; }

    public override string ToString() => $"{(Cluster.Length > 0 ? $"cluster {Cluster}" : "no cluster")}, node {Node}";

    /// <summary>The status as text, like lcdstatus: sections for cluster, members, hierarchies, records, last failover.</summary>
    public string Render(int width = 80)
    {
        var text = new StringBuilder();
        // Long lines (paths, problems, the failover's message) wrap at a space, continued 4 columns in.
        void Line(string s = "")
        {
            s = s.TrimEnd();
            while (s.Length > width)
            {
                int cut = s.LastIndexOf(' ', width - 1);
                if (cut <= 4) cut = width;
                text.Append(s[..cut].TrimEnd()).Append('\n');
                s = "    " + s[cut..].TrimStart();
            }
            text.Append(s).Append('\n');
        }
        string Fit(string s, int w) => s.Length <= w ? s.PadRight(w) : s[..Math.Max(0, w - 1)] + "…";

        Line(Cluster.Length > 0 ? $"Cluster {Cluster}, seen from {Node} at {Time.ToLocalTime():yyyy-MM-dd HH:mm:ss}" : $"Node {Node} (no cluster) at {Time.ToLocalTime():yyyy-MM-dd HH:mm:ss}");
        if (Cluster.Length > 0)
        {
            string verdict = Quorum.HasQuorum switch { true => "has quorum", false => "NO QUORUM", null => "quorum unknown (agent not answering)" };
            string votes = Quorum.Mode == "majority" ? $"{Quorum.Reachable} of {Quorum.Votes} votes reachable, {Quorum.Needed} needed" : Quorum.Mode == "none" ? "not required" : "from the quorum hosts";
            Line($"Quorum  {Quorum.Mode}: {votes}; {verdict}");
            Line($"Witness {Quorum.WitnessMode}{(Quorum.Witnesses.Count > 0 ? $"; witness member(s): {string.Join(", ", Quorum.Witnesses)}" : "; no witness member")}");
            Line();
            int nameWidth = Math.Max(6, Members.Select(m => m.Name.Length).DefaultIfEmpty(0).Max());
            Line($"{Fit("Member", nameWidth)}  {"Role",-7}  {"Reachable",-9}  {"Quorum",-6}  Paths / in service");
            foreach (var m in Members)
            {
                string reach = m.Reachable ? "yes" : "NO";
                string quorum = m.Quorum switch { true => "yes", false => "NO", null => "-" };
                string tail = m.Reachable ? $"{m.Paths}{(m.InService.Length > 0 ? $"  [{m.InService}]" : "")}" : $"{m.Paths}  {m.Problem}";
                Line($"{Fit(m.Name, nameWidth)}  {m.Role,-7}  {reach,-9}  {quorum,-6}  {tail}");
            }
        }

        Line();
        if (Hierarchies.Count == 0) Line("No resources.");
        else
        {
            const int cell = 8;
            var nodeWidths = Nodes.Select(n => Math.Max(n.Length, cell)).ToList();
            int treeWidth = Math.Max(16, Hierarchies.Max(h => 2 * h.Depth + h.Tag.Length) + 1);
            treeWidth = Math.Max(10, Math.Min(treeWidth, width - 10 - nodeWidths.Sum(w => w + 2)));
            var header = new StringBuilder($"{Fit("Hierarchy", treeWidth)} {"Kind",-8}");
            for (int i = 0; i < Nodes.Count; i++) header.Append("  ").Append(Nodes[i].PadRight(nodeWidths[i]));
            Line(header.ToString());
            foreach (var h in Hierarchies)
            {
                string tree = h.Depth == 0 ? h.Tag : new string(' ', 2 * (h.Depth - 1)) + "└ " + h.Tag;
                var row = new StringBuilder($"{Fit(tree, treeWidth)} {h.Kind,-8}");
                for (int i = 0; i < Nodes.Count; i++) row.Append("  ").Append(h.StateOn(Nodes[i]).PadRight(nodeWidths[i]));
                Line(row.ToString());
            }
            Line("(state and priority on each node; ISP/ISU in service, ? not answering)");
        }

        if (Records.Count > 0)
        {
            Line();
            Line($"Record (Route 53 now; {ApiCalls} call(s))");
            foreach (var r in Records)
            {
                if (r.Problem is not null) { Line($"{r.Record}  {r.Problem}"); continue; }
                string value = r.Value.Length == 0 ? "no A record" : r.PointsTo is null ? $"{r.Value} (no node of this cluster)" : $"{r.Value} ({r.PointsTo})";
                Line($"{r.Record}  {value}  owner: {(r.Owner.Length == 0 ? "none" : r.Owner)}");
            }
        }

        Line();
        Line(LastFailover is null
            ? "Last failover: none recorded on this node."
            : $"Last failover: {LastFailover.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss} {LastFailover.Tag} {LastFailover.Outcome} on {LastFailover.Node}: {LastFailover.Message}");
        return text.ToString();
    }
}

/// <summary>Gathers <see cref="HaStatus"/>: this node's store, every member's answer, one read per hosted zone.</summary>
public static class ClusterStatusReader
{
    public static async Task<HaStatus> ReadAsync(ResourceManager manager, TunableSet tunables, KitEnvironment environment, bool readRecords,
        Action<string>? log, CancellationToken cancellationToken)
    {
        var state = manager.State();
        IReadOnlyList<HaClusterMember> answers = Array.Empty<HaClusterMember>();
        if (state.Members.Count > 0)
            answers = await new ClusterClient(manager.Store, environment.Time).StatusAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<HaRecordStatus>();
        int calls = 0;
        if (readRecords)
            (records, calls) = await ReadRecordsAsync(state, tunables, environment, log, cancellationToken).ConfigureAwait(false);
        var lastFailover = manager.ListEvents().LastOrDefault(e => e.Action == EventActions.Failover && e.Outcome is EventOutcomes.Success or EventOutcomes.Failed);
        return Compose(state, answers, tunables, records, calls, lastFailover, environment.Time.GetUtcNow());
    }

    /// <summary>The status from what was gathered; pure.</summary>
    public static HaStatus Compose(NodeState state, IReadOnlyList<HaClusterMember> answers, TunableSet tunables,
        IReadOnlyList<HaRecordStatus> records, int apiCalls, HaEvent? lastFailover, DateTimeOffset now)
    {
        var self = answers.FirstOrDefault(a => a.Name.Equals(state.NodeName, StringComparison.OrdinalIgnoreCase));
        int reachable = answers.Count(a => a.Reachable);
        var members = answers.Select(a => new HaMemberStatus
        {
            Name = a.Name,
            Role = a.Role.ToString().ToLowerInvariant(),
            Reachable = a.Reachable,
            Quorum = a.Quorum,
            Paths = string.Join(", ", a.Paths),
            InService = string.Join(", ", a.InService),
            Problem = a.Problem,
        }).ToList();
        var nodes = state.Members.Count == 0
            ? new List<string> { state.NodeName }
            : state.Members.Where(m => m.Role == MemberRole.Node).Select(m => m.Name).ToList();

        string StateOf(string tag, string node)
        {
            if (node.Equals(state.NodeName, StringComparison.OrdinalIgnoreCase)) return state.StatusOf(tag, node).State.ToString();
            var answer = answers.FirstOrDefault(a => a.Name.Equals(node, StringComparison.OrdinalIgnoreCase));
            if (answer is null || !answer.Reachable) return "?";
            return answer.Resources.FirstOrDefault(r => r.Tag.Equals(tag, StringComparison.OrdinalIgnoreCase))?.State.ToString() ?? ResourceState.OSU.ToString();
        }

        var lines = new List<HaHierarchyLine>();
        var roots = state.Resources.Where(r => !state.ParentsOf(r.Tag).Any()).OrderBy(r => r.Tag, StringComparer.OrdinalIgnoreCase);
        foreach (var root in roots)
        {
            var onPath = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            void Walk(ResourceDefinition r, int depth)
            {
                if (!onPath.Add(r.Tag)) return; // a cycle in a hand-edited state: show each resource once per path
                lines.Add(new HaHierarchyLine
                {
                    Hierarchy = root.Tag,
                    Depth = depth,
                    Tag = r.Tag,
                    Kind = r.Kind.ToString().ToLowerInvariant(),
                    Nodes = nodes.Where(n => r.Nodes.ContainsKey(n) || (state.Members.Count == 0 && n == state.NodeName))
                        .Select(n => new HaNodeState { Node = n, State = StateOf(r.Tag, n), Priority = r.Nodes.TryGetValue(n, out var i) ? i.Priority : 1 })
                        .ToList(),
                });
                foreach (var child in state.ChildrenOf(r.Tag).Select(state.Find).OfType<ResourceDefinition>().OrderBy(c => c.Tag, StringComparer.OrdinalIgnoreCase))
                    Walk(child, depth + 1);
                onPath.Remove(r.Tag);
            }
            Walk(root, 0);
        }

        return new HaStatus
        {
            Cluster = state.ClusterName,
            Node = state.NodeName,
            Time = now,
            Quorum = new HaQuorumStatus
            {
                Mode = tunables.Typed.QuorumMode,
                Votes = state.Members.Count,
                Reachable = reachable,
                Needed = state.Members.Count == 0 ? 0 : state.Members.Count / 2 + 1,
                HasQuorum = self?.Quorum,
                WitnessMode = tunables.Typed.WitnessMode,
                Witnesses = state.Members.Where(m => m.Role == MemberRole.Witness).Select(m => m.Name).ToList(),
            },
            Members = members,
            Nodes = nodes,
            Hierarchies = lines,
            Records = records,
            ApiCalls = apiCalls,
            LastFailover = lastFailover,
        };
    }

    /// <summary>Every route53 resource's record and mark, with one listing of each hosted zone (per access settings).</summary>
    private static async Task<(List<HaRecordStatus>, int)> ReadRecordsAsync(NodeState state, TunableSet tunables, KitEnvironment environment,
        Action<string>? log, CancellationToken cancellationToken)
    {
        var results = new List<HaRecordStatus>();
        int calls = 0;
        var route53 = state.Resources.Where(r => r.Kind == ResourceKind.Route53)
            .Select(r => (Resource: r, Settings: SettingsOrNull(r, state)))
            .ToList();
        foreach (var broken in route53.Where(x => x.Settings is null))
            results.Add(new HaRecordStatus { Tag = broken.Resource.Tag, Record = broken.Resource.Tag, ZoneId = "", Value = "", Owner = "", Problem = "its settings are incomplete" });
        foreach (var zone in route53.Where(x => x.Settings is not null).GroupBy(x => (Zone: Route53Ids.BareZoneId(x.Settings!.HostedZoneId), x.Settings!.Access)))
        {
            var client = environment.Route53(zone.Key.Access, tunables, log);
            IReadOnlyList<ResourceRecordSet>? sets = null;
            string? problem = null;
            try { sets = await client.ListAllResourceRecordSetsAsync(zone.Key.Zone, cancellationToken: cancellationToken).ConfigureAwait(false); }
            catch (Route53Exception e) { problem = $"could not be read: {e.Message}"; }
            catch (Aws.AwsConfigurationException e) { problem = $"could not be read: {e.Message}"; }
            calls += (int)client.CallCount;
            foreach (var (resource, s) in zone)
            {
                string name = DnsNames.Normalize(s!.RecordName);
                if (sets is null)
                {
                    results.Add(new HaRecordStatus { Tag = resource.Tag, Record = name, ZoneId = zone.Key.Zone, Value = "", Owner = "", Problem = problem });
                    continue;
                }
                var a = sets.FirstOrDefault(x => DnsNames.Equal(x.Name, name) && x.Type == "A" && x.SetIdentifier is null);
                var mark = OwnershipMark.Parse(sets.FirstOrDefault(x => DnsNames.Equal(x.Name, OwnershipMark.NameFor(name)) && x.Type == "TXT"));
                results.Add(new HaRecordStatus
                {
                    Tag = resource.Tag,
                    Record = name,
                    ZoneId = zone.Key.Zone,
                    Value = a is null ? "" : string.Join(", ", a.Values),
                    PointsTo = a is { Values.Count: 1 } ? NodeWithAddress(state, s.IpResource, a.Values[0]) : null,
                    Owner = mark is null ? "" : mark.Cluster.Length > 0 ? $"{mark.Node} (cluster {mark.Cluster})" : mark.Node,
                    Ttl = a?.Ttl,
                });
            }
        }
        return (results.OrderBy(r => r.Tag, StringComparer.OrdinalIgnoreCase).ToList(), calls);
    }

    private static Route53Settings? SettingsOrNull(ResourceDefinition r, NodeState state)
    {
        try { return Route53Settings.For(r, state.NodeName); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>The node whose own address (its instance of the ip resource) <paramref name="value"/> is.</summary>
    private static string? NodeWithAddress(NodeState state, string ipTag, string value)
    {
        if (state.Find(ipTag) is not { } ip || !IPAddress.TryParse(value, out var address)) return null;
        var nodes = ip.Nodes.Keys.Append(state.NodeName).Distinct(StringComparer.OrdinalIgnoreCase);
        return nodes.FirstOrDefault(n => ip.Setting(n, SettingKeys.Address) is { } own && IPAddress.TryParse(own, out var a) && a.Equals(address));
    }
}
