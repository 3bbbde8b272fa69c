using SiosRoute53.Cluster;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Hierarchy;

/// <summary>
/// What a definition change needs to know from the other members before it is made: what each has in service (its
/// agent's own answer) and whether a node accepts its own new settings (its own ENI address must be on it). Both go
/// through the agents' authenticated protocol, as Expand-HaResource does.
/// </summary>
public static class ClusterReach
{
    /// <summary>What every other node has in service (or is bringing in service); a node whose agent does not answer is unknown. Nothing to ask without a cluster.</summary>
    public static async Task<InServiceView> InServiceAsync(StateStore store, CancellationToken cancellationToken)
    {
        var state = store.Read();
        bool others = state.Members.Any(m => m.Role == MemberRole.Node && !m.Name.Equals(state.NodeName, StringComparison.OrdinalIgnoreCase));
        if (!others) return InServiceView.LocalOnly;
        var members = await new ClusterClient(store).StatusAsync(cancellationToken).ConfigureAwait(false);
        return new InServiceView(members
            .Where(m => m.Role == MemberRole.Node && !m.Name.Equals(state.NodeName, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(m => m.Name, m => m.Reachable ? (IReadOnlyCollection<string>?)m.Resources.Where(r => r.Owns).Select(r => r.Tag).ToList() : null,
                StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Asks <c>node</c>'s agent to check a definition with its own settings; null without a cluster (nobody to ask).</summary>
    public static Func<ResourceDefinition, string, CancellationToken, Task>? Validator(StateStore store)
    {
        var state = store.Read();
        if (state.Members.Count == 0) return null;
        return async (definition, node, cancellationToken) =>
        {
            var member = state.Member(node) ?? throw new HaArgumentException($"'{node}' is not a member of cluster '{state.ClusterName}'.", node);
            var (_, key) = ClusterKey.Load(ClusterKey.PathIn(store.Directory));
            var client = new PeerClient(key, state.ClusterName, state.NodeName, store.Time);
            var body = new ExtensionBody(new List<ResourceDefinition> { definition }, new Dictionary<string, List<string>> { [definition.Tag] = new() });
            PeerRequestException? last = null;
            foreach (var path in member.Paths)
            {
                try
                {
                    await client.RequestAsync(path, MessageTypes.ValidateExtension, body, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (PeerRequestException e) { last = e; }
            }
            throw new HaArgumentException($"'{node}' did not accept the settings of '{definition.Tag}' for itself: {last?.Message}. Its node agent must run (Start-HaNode); nothing was changed.", node);
        };
    }
}
