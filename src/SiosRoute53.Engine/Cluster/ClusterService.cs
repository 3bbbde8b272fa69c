using System.Net;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cluster;

/// <summary>Cluster membership on this node: create, join, add and remove members, hand out the key, talk to agents.</summary>
public sealed class ClusterService(StateStore store, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string KeyPath => ClusterKey.PathIn(store.Directory);

    public static string? ValidateName(string name, string what) =>
        ResourceManager.ValidateTag(name) is null ? null : $"{what} '{name}' is not valid: use 1–64 letters, digits, '.', '_' or '-'.";

    private static List<string> CheckPaths(IEnumerable<string> paths)
    {
        var list = paths.Select(p => p.Trim()).ToList();
        if (list.Count == 0) throw new HaArgumentException("Give at least one communication path (address:port).");
        foreach (var p in list)
        {
            var (host, _) = PeerClient.ParsePath(p);
            if (!System.Net.IPAddress.TryParse(host, out _))
                throw new HaArgumentException($"Communication path '{p}' must use an IP address, not a name, so that it works when DNS does not.", p);
        }
        return list;
    }

    /// <summary>Creates a cluster with this node as its first member; generates and stores the cluster key.</summary>
    public NodeState Create(string clusterName, string nodeName, IEnumerable<string> paths)
    {
        if (ValidateName(clusterName, "Cluster name") is { } badCluster) throw new HaArgumentException(badCluster, clusterName);
        if (ValidateName(nodeName, "Node name") is { } badNode) throw new HaArgumentException(badNode, nodeName);
        var pathList = CheckPaths(paths);
        var state = store.Update(s =>
        {
            if (s.Members.Count > 0)
                throw new HaArgumentException($"This node is already a member of cluster '{s.ClusterName}'. Remove it from that cluster first.", clusterName);
            var renamed = RenameNode(s, nodeName);
            var next = (renamed with
            {
                ClusterName = clusterName,
                Members = new() { new ClusterMember { Name = nodeName, Role = MemberRole.Node, Paths = pathList } },
            }).ConfigChanged();
            return (next, next);
        });
        ClusterKey.Generate().Save(KeyPath, clusterName);
        Record(state.NodeName, "cluster", "success", $"Created cluster '{clusterName}' with node '{nodeName}' on {string.Join(", ", pathList)}.");
        return state;
    }

    /// <summary>Resources created before the node had a cluster name are re-keyed to the new name.</summary>
    private static NodeState RenameNode(NodeState s, string nodeName)
    {
        string old = s.NodeName;
        if (old.Equals(nodeName, StringComparison.OrdinalIgnoreCase)) return s with { NodeName = nodeName };
        var resources = s.Resources.Select(r =>
        {
            if (!r.Nodes.TryGetValue(old, out var instance)) return r;
            var nodes = new Dictionary<string, NodeInstance>(r.Nodes, StringComparer.OrdinalIgnoreCase);
            nodes.Remove(old);
            nodes[nodeName] = instance;
            return r with { Nodes = nodes };
        }).ToList();
        var states = s.States.Select(x => x.Node.Equals(old, StringComparison.OrdinalIgnoreCase) ? x with { Node = nodeName } : x).ToList();
        return s with { NodeName = nodeName, Resources = resources, States = states };
    }

    public NodeState AddMember(string name, MemberRole role, IEnumerable<string> paths)
    {
        if (ValidateName(name, "Node name") is { } bad) throw new HaArgumentException(bad, name);
        var pathList = CheckPaths(paths);
        var state = store.Update(s =>
        {
            RequireCluster(s);
            if (s.Member(name) is not null) throw new HaArgumentException($"'{name}' is already a member of cluster '{s.ClusterName}'.", name);
            var taken = s.Members.SelectMany(m => m.Paths.Select(p => (m.Name, p))).FirstOrDefault(x => pathList.Contains(x.p));
            if (taken.p is not null) throw new HaArgumentException($"Path {taken.p} already belongs to '{taken.Name}'.", taken.p);
            var next = (s with { Members = s.Members.Append(new ClusterMember { Name = name, Role = role, Paths = pathList }).ToList() }).ConfigChanged();
            return (next, next);
        });
        Record(state.NodeName, "cluster", "success", $"Added {role.ToString().ToLowerInvariant()} '{name}' on {string.Join(", ", pathList)}.");
        return state;
    }

    public NodeState RemoveMember(string name)
    {
        var state = store.Update(s =>
        {
            RequireCluster(s);
            var member = s.Member(name) ?? throw new HaArgumentException($"'{name}' is not a member of cluster '{s.ClusterName}'. Members: {string.Join(", ", s.Members.Select(m => m.Name))}.", name);
            if (member.Name.Equals(s.NodeName, StringComparison.OrdinalIgnoreCase))
                throw new HaArgumentException($"'{name}' is this node; remove it from another member.", name);
            var resources = s.Resources.Select(r =>
            {
                if (!r.Nodes.ContainsKey(member.Name)) return r;
                var nodes = new Dictionary<string, NodeInstance>(r.Nodes, StringComparer.OrdinalIgnoreCase);
                nodes.Remove(member.Name);
                return r with { Nodes = nodes };
            }).ToList();
            var next = (s with { Members = s.Members.Where(m => m != member).ToList(), Resources = resources }).ConfigChanged();
            return (next, next);
        });
        Record(state.NodeName, "cluster", "success", $"Removed member '{name}'.");
        return state;
    }

    private static void RequireCluster(NodeState s)
    {
        if (s.Members.Count == 0) throw new HaArgumentException("This node is not in a cluster yet. Create one with New-HaCluster, or join one with Join-HaCluster.");
    }

    public void ExportKey(string path)
    {
        var (cluster, key) = ClusterKey.Load(KeyPath);
        key.Save(path, cluster);
    }

    public ClusterKey LoadKey() => ClusterKey.Load(KeyPath).Key;

    /// <summary>
    /// Joins the cluster a running agent at <paramref name="peerPath"/> belongs to: authenticates with the key file,
    /// asks to be added with this node's name and paths, and adopts the configuration that comes back.
    /// </summary>
    public async Task<NodeState> JoinAsync(string nodeName, IEnumerable<string> paths, string keyFile, string peerPath, MemberRole role, CancellationToken cancellationToken)
    {
        if (ValidateName(nodeName, "Node name") is { } bad) throw new HaArgumentException(bad, nodeName);
        var pathList = CheckPaths(paths);
        PeerClient.ParsePath(peerPath);
        var current = store.Read();
        if (current.Members.Count > 0) throw new HaArgumentException($"This node is already a member of cluster '{current.ClusterName}'.");
        var (clusterName, key) = ClusterKey.Load(keyFile);
        var client = new PeerClient(key, clusterName, nodeName, _time);
        var reply = await client.RequestAsync(peerPath, MessageTypes.Join, new JoinBody(nodeName, pathList, role), TimeSpan.FromSeconds(15), cancellationToken);
        var config = reply.BodyAs<ClusterConfig>();
        var state = store.Update(s =>
        {
            var renamed = RenameNode(s, nodeName);
            var next = Adopt(renamed, config) with { ClusterName = config.ClusterName };
            return (next, next);
        });
        key.Save(KeyPath, config.ClusterName);
        Record(state.NodeName, "cluster", "success", $"Joined cluster '{config.ClusterName}' through {peerPath} (configuration revision {config.Revision}).");
        return state;
    }

    /// <summary>
    /// Extends a hierarchy (the resource and everything below it) to another node with that node's own settings and a
    /// priority. The target's agent validates its own settings first (its own ENI address must be on it); then the
    /// configuration changes here and reaches every member with the next heartbeats.
    /// </summary>
    public async Task<NodeState> ExtendAsync(string root, string target, int priority, IReadOnlyDictionary<string, string> addresses, CancellationToken cancellationToken)
    {
        var state = store.Read();
        RequireCluster(state);
        var member = state.Member(target) ?? throw new HaArgumentException($"'{target}' is not a member of cluster '{state.ClusterName}'. Members: {string.Join(", ", state.Members.Select(m => m.Name))}.", target);
        if (member.Role != MemberRole.Node) throw new HaArgumentException($"'{target}' is a witness; witnesses hold no resources.", target);
        var top = state.Find(root) ?? throw new ResourceNotFoundException(root, state.Resources.Select(r => r.Tag));
        var order = ResourceManager.RestoreOrder(state, top.Tag);
        foreach (var tag in addresses.Keys.Where(k => k != "*" && !order.Contains(k, StringComparer.OrdinalIgnoreCase)))
            throw new HaArgumentException($"An address was given for '{tag}', which is not in the hierarchy of '{top.Tag}' ({string.Join(", ", order)}).", tag);
        var updated = new List<ResourceDefinition>();
        foreach (var tag in order)
        {
            var r = state.Find(tag)!;
            var settings = Kits.KitCatalog.Default.For(r.Kind).ExtensionSettings(r, member.Name, addresses);
            var nodes = new Dictionary<string, NodeInstance>(r.Nodes, StringComparer.OrdinalIgnoreCase) { [member.Name] = new NodeInstance { Priority = priority, Settings = settings } };
            updated.Add(r with { Nodes = nodes });
        }
        var children = order.ToDictionary(t => t, t => state.ChildrenOf(t).ToList(), StringComparer.OrdinalIgnoreCase);
        var (_, key) = ClusterKey.Load(KeyPath);
        var client = new PeerClient(key, state.ClusterName, state.NodeName, _time);
        Exception? last = null;
        bool validated = false;
        foreach (var path in member.Paths)
        {
            try
            {
                await client.RequestAsync(path, MessageTypes.ValidateExtension, new ExtensionBody(updated, children), TimeSpan.FromSeconds(30), cancellationToken);
                validated = true;
                break;
            }
            catch (PeerRequestException e) { last = e; if (!e.Message.Contains("no answer") && !e.Message.Contains("refused") && !e.Message.Contains("unreachable")) break; }
        }
        if (!validated)
            throw new HaArgumentException($"'{target}' did not accept the extension of '{top.Tag}': {last?.Message}. Its node agent must be running (Start-HaNode).", target);
        var result = store.Update(s =>
        {
            var resources = s.Resources.Select(r => updated.FirstOrDefault(u => u.Tag.Equals(r.Tag, StringComparison.OrdinalIgnoreCase)) ?? r).ToList();
            var next = (s with { Resources = resources }).ConfigChanged();
            return (next, next);
        });
        Record(result.NodeName, "extend", "success", $"Extended '{top.Tag}' ({string.Join(", ", order)}) to '{target}' with priority {priority}.");
        return result;
    }

    /// <summary>This node's state with <paramref name="config"/>'s members, resources and dependencies; local states kept where still defined.</summary>
    public static NodeState Adopt(NodeState s, ClusterConfig config)
    {
        var tags = config.Resources.Select(r => r.Tag).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return s with
        {
            ClusterName = config.ClusterName,
            ConfigRevision = config.Revision,
            ConfigAuthor = config.Author,
            Members = config.Members,
            Resources = config.Resources,
            Dependencies = config.Dependencies,
            States = s.States.Where(x => tags.Contains(x.Tag)).ToList(),
        };
    }

    private void Record(string node, string action, string outcome, string message) =>
        new EventLog(store, () => node, _time).Record(null, action, outcome, message);
}
