using SiosRoute53.Model;

namespace SiosRoute53.Cluster;

/// <summary>Sends this node's heartbeat on every path of every other member and records the replies; nothing else.</summary>
public sealed class Heartbeater(PeerTable table, PeerClient client)
{
    /// <summary>One round: all sends in parallel, each bounded by <paramref name="timeout"/>; an unanswered path is just silent.</summary>
    public async Task RoundAsync(IReadOnlyList<ClusterMember> members, string self, HeartbeatBody body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var sends = members.Where(m => !m.Name.Equals(self, StringComparison.OrdinalIgnoreCase))
            .SelectMany(m => m.Paths.Select(p => (m.Name, Path: p)))
            .Select(async target =>
            {
                try
                {
                    var reply = await client.RequestAsync(target.Path, MessageTypes.Heartbeat, body, timeout, cancellationToken);
                    table.Heard(target.Name, reply.BodyAs<HeartbeatBody>());
                }
                catch (PeerRequestException) { }
            });
        await Task.WhenAll(sends);
    }
}
