using System.Diagnostics;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cluster;

/// <summary>One member as it answered a status request (or did not).</summary>
public sealed class HaClusterMember
{
    public required string Name { get; init; }
    public required MemberRole Role { get; init; }
    public required IReadOnlyList<string> Paths { get; init; }
    public required bool Reachable { get; init; }
    public bool? Quorum { get; init; }

    /// <summary>Why this member has quorum or not, in its own words ("majority: 2 of 3 members reachable; not expected: …").</summary>
    public string? QuorumReason { get; init; }
    public long? ConfigRevision { get; init; }
    public IReadOnlyList<string> InService { get; init; } = Array.Empty<string>();

    /// <summary>How this member sees the others: name → alive.</summary>
    public IReadOnlyDictionary<string, bool> Sees { get; init; } = new Dictionary<string, bool>();

    /// <summary>What this member last heard each other member has in service: name → tags. Takeover decisions use it.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> PeersInService { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    public IReadOnlyList<ResourceStateReport> Resources { get; init; } = Array.Empty<ResourceStateReport>();
    public string? Problem { get; init; }
}

/// <summary>What a switchover did: each step on each node, with its timing.</summary>
public sealed class HaSwitchoverResult
{
    public required string Tag { get; init; }
    public required string From { get; init; }
    public required string To { get; init; }
    public required bool Succeeded { get; init; }
    public required string Message { get; init; }
    public TimeSpan Duration { get; init; }
    public IReadOnlyList<HaStep> Steps { get; init; } = Array.Empty<HaStep>();
}

/// <summary>Cluster-wide views and operations that a cmdlet on any node drives through the agents.</summary>
public sealed class ClusterClient(StateStore store, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private (NodeState State, PeerClient Client) Connect()
    {
        var state = store.Read();
        if (state.Members.Count == 0) throw new HaArgumentException("This node is not in a cluster. Create one with New-HaCluster or join one with Join-HaCluster.");
        var (_, key) = ClusterKey.Load(ClusterKey.PathIn(store.Directory));
        return (state, new PeerClient(key, state.ClusterName, state.NodeName, _time));
    }

    /// <summary>Asks every member for its status, in parallel; an unreachable member is reported, not an error.</summary>
    public async Task<IReadOnlyList<HaClusterMember>> StatusAsync(CancellationToken cancellationToken)
    {
        var (state, client) = Connect();
        var answers = await Task.WhenAll(state.Members.Select(async m =>
        {
            string? problem = null;
            foreach (var path in m.Paths)
            {
                try
                {
                    var reply = (await client.RequestAsync(path, MessageTypes.Status, new { }, TimeSpan.FromSeconds(5), cancellationToken)).BodyAs<StatusReply>();
                    return new HaClusterMember
                    {
                        Name = m.Name,
                        Role = m.Role,
                        Paths = m.Paths,
                        Reachable = true,
                        Quorum = reply.Quorum,
                        QuorumReason = reply.QuorumReason,
                        ConfigRevision = reply.ConfigRevision,
                        Resources = reply.Resources,
                        InService = reply.Resources.Where(r => r.InService).Select(r => r.Tag).ToList(),
                        Sees = reply.Peers.ToDictionary(p => p.Name, p => p.Alive),
                        PeersInService = reply.Peers.ToDictionary(p => p.Name,
                            p => (IReadOnlyList<string>)p.Resources.Where(r => r.InService).Select(r => r.Tag).ToList()),
                    };
                }
                catch (PeerRequestException e) { problem = e.Message; }
            }
            return new HaClusterMember { Name = m.Name, Role = m.Role, Paths = m.Paths, Reachable = false, Problem = problem };
        }));
        return answers;
    }

    /// <summary>
    /// Moves a hierarchy: the current owner removes it (parents first), the target restores it (children first);
    /// if the target fails, the hierarchy goes back to the source.
    /// </summary>
    public async Task<HaSwitchoverResult> SwitchoverAsync(string tag, string? toNode, IProgress<OperationProgress>? progress, Action<string>? log, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? tunables = null)
    {
        var (state, client) = Connect();
        var definition = state.Find(tag) ?? throw new ResourceNotFoundException(tag, state.Resources.Select(r => r.Tag));
        string root = definition.Tag;
        var tops = ResourceManager.RemoveOrder(state, root).Where(t => !state.ParentsOf(t).Any()).ToList();
        if (tops.Count != 1 || !tops[0].Equals(root, StringComparison.OrdinalIgnoreCase))
            throw new HaArgumentException($"'{root}' is not the top of its hierarchy; switch over {string.Join(" or ", tops.Select(t => $"'{t}'"))} instead.", tag);

        var members = await StatusAsync(cancellationToken);
        var owner = members.FirstOrDefault(m => m.Reachable && m.InService.Contains(root, StringComparer.OrdinalIgnoreCase))
            ?? throw new HaArgumentException($"'{root}' is not in service on any reachable node. Bring it in service with Start-HaResource first.", tag);
        var live = members.Where(m => m.Reachable && m.Role == MemberRole.Node && definition.Nodes.ContainsKey(m.Name) && m.Name != owner.Name).ToList();
        HaClusterMember target;
        if (toNode is not null)
        {
            target = live.FirstOrDefault(m => m.Name.Equals(toNode, StringComparison.OrdinalIgnoreCase))
                ?? throw new HaArgumentException(owner.Name.Equals(toNode, StringComparison.OrdinalIgnoreCase)
                    ? $"'{root}' is already in service on '{owner.Name}'."
                    : $"'{toNode}' cannot take '{root}': it is not a reachable node the hierarchy is extended to ({string.Join(", ", live.Select(l => l.Name).DefaultIfEmpty("none"))}).", toNode);
        }
        else
        {
            target = live.OrderBy(m => definition.Nodes[m.Name].Priority).ThenBy(m => m.Name, StringComparer.Ordinal).FirstOrDefault()
                ?? throw new HaArgumentException($"No other reachable node has '{root}' extended to it; extend it with Expand-HaResource.", tag);
        }

        var total = Stopwatch.StartNew();
        var steps = new List<HaStep>();
        async Task<OperationReply> Ask(HaClusterMember m, string type, string activity, int percent)
        {
            progress?.Report(new OperationProgress(root, $"Switchover of '{root}' from '{owner.Name}' to '{target.Name}'", $"waiting on '{m.Name}': {activity}", percent, null)
            {
                Elapsed = TimeSpan.Zero,
                LeftBehind = $"'{m.Name}' was asked to {(type == MessageTypes.Remove ? "take" : "bring")} '{root}' {(type == MessageTypes.Remove ? "out of" : "in")} service and goes on with it: stopping this command does not stop that node.",
            });
            log?.Invoke($"{activity}.");
            var member = state.Member(m.Name)!;
            PeerRequestException? last = null;
            foreach (var path in member.Paths)
            {
                try
                {
                    var reply = (await client.RequestAsync(path, type, new OperationBody(root, false, $"switchover to '{target.Name}'", tunables is null ? null : new Dictionary<string, string>(tunables)), TimeSpan.FromMinutes(15), cancellationToken)).BodyAs<OperationReply>();
                    steps.Add(new HaStep { Tag = root, Action = $"{type} on {m.Name}", Outcome = reply.Succeeded ? "success" : "failed", Message = reply.Message, Duration = TimeSpan.FromSeconds(reply.Seconds) });
                    foreach (var s in reply.Steps) log?.Invoke($"  {m.Name}: {s.Action} {s.Tag}: {s.Outcome} in {s.Seconds:0.0} s: {s.Message}");
                    return reply;
                }
                catch (PeerRequestException e) { last = e; }
            }
            steps.Add(new HaStep { Tag = root, Action = $"{type} on {m.Name}", Outcome = "unreachable", Message = last?.Message ?? "no path" });
            return new OperationReply(false, $"'{m.Name}' could not be reached: {last?.Message}", 0, new());
        }

        var removed = await Ask(owner, MessageTypes.Remove, $"Taking '{root}' out of service on '{owner.Name}' ({string.Join(" → ", ResourceManager.RemoveOrder(state, root))})", 10);
        if (!removed.Succeeded)
            return Done(false, $"'{owner.Name}' could not take '{root}' out of service: {removed.Message}. The hierarchy stays there.");
        var restored = await Ask(target, MessageTypes.Restore, $"Bringing '{root}' in service on '{target.Name}' ({string.Join(" → ", ResourceManager.RestoreOrder(state, root))})", 50);
        if (restored.Succeeded)
            return Done(true, $"'{root}' moved from '{owner.Name}' to '{target.Name}' in {total.Elapsed.TotalSeconds:0.0} s.");
        var back = await Ask(owner, MessageTypes.Restore, $"'{target.Name}' failed; bringing '{root}' back on '{owner.Name}'", 80);
        return Done(false, $"'{target.Name}' could not bring '{root}' in service ({restored.Message}); " +
            (back.Succeeded ? $"it is back on '{owner.Name}'." : $"bringing it back on '{owner.Name}' failed too ({back.Message})."));

        HaSwitchoverResult Done(bool ok, string message)
        {
            progress?.Report(new OperationProgress(root, $"Switchover of '{root}'", ok ? "done" : "failed", 100, TimeSpan.Zero, Completed: true));
            return new HaSwitchoverResult { Tag = root, From = owner.Name, To = target.Name, Succeeded = ok, Message = message, Duration = total.Elapsed, Steps = steps };
        }
    }
}
