using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cluster;

/// <summary>
/// Keeps this node's configuration (members, resources, dependencies) in step: when a live peer reports a newer
/// revision, pulls it and adopts it. Runs on its own loop, so a slow peer never holds up heartbeats.
/// </summary>
public sealed class ConfigReplicator(StateStore store, PeerTable table, PeerClient client, ClusterEvents events, TimeProvider time)
{
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        var state = store.Read();
        var peers = table.Snapshot;
        var newest = state.Members
            .Select(m => peers[m.Name])
            .Where(p => p is { Alive: true } && (p.ConfigRevision > state.ConfigRevision || (p.ConfigRevision == state.ConfigRevision && string.CompareOrdinal(p.ConfigAuthor, state.ConfigAuthor) > 0)))
            .OrderByDescending(p => p!.ConfigRevision).FirstOrDefault();
        if (newest is null) return;
        foreach (var path in state.Member(newest.Name)!.Paths)
        {
            try
            {
                var config = (await client.RequestAsync(path, MessageTypes.GetConfig, new { }, TimeSpan.FromSeconds(5), cancellationToken)).BodyAs<ClusterConfig>();
                bool adopted = store.Update(s => config.IsNewerThan(s) ? (ClusterService.Adopt(s, config), true) : (s, false));
                if (adopted) events.Record(null, "configuration", "updated", $"Adopted configuration revision {config.Revision} (by '{config.Author}') from '{newest.Name}': {config.Members.Count} member(s), {config.Resources.Count} resource(s).");
                return;
            }
            catch (PeerRequestException) { }
        }
    }

    public async Task RunAsync(Func<ClusterSettings> settings, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try { await SyncAsync(cancellationToken); }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) { events.Fault("configuration", e); }
            try { await Task.Delay(settings().HeartbeatInterval, time, cancellationToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
