using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cluster;

/// <summary>
/// Keeps this node's configuration (members, resources, dependencies) in step: when a live peer reports a higher
/// committed revision, pulls it and adopts it. The same revision from another author is a conflict: an event naming
/// both, never a silent replace (rule 11). Drops a held, undecided change once it is settled. Runs on its own loop,
/// so a slow peer never holds up heartbeats.
/// </summary>
public sealed class ConfigReplicator(StateStore store, PeerTable table, PeerClient client, ClusterEvents events, TimeProvider time)
{
    private readonly HashSet<string> _conflictsReported = new(StringComparer.OrdinalIgnoreCase);

    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        var state = store.Read();
        var peers = table.Snapshot;
        DropSettled(state, peers);
        PeerRecord? newest = null;
        foreach (var member in state.Members)
        {
            if (peers[member.Name] is not { Alive: true } peer) continue;
            switch (ConfigQuorum.Compare(state.ConfigRevision, state.ConfigAuthor, peer.ConfigRevision, peer.ConfigAuthor))
            {
                case ConfigComparison.Adopt when newest is null || peer.ConfigRevision > newest.ConfigRevision:
                    newest = peer;
                    break;
                case ConfigComparison.Conflict when _conflictsReported.Add($"{peer.Name}/{peer.ConfigRevision}/{peer.ConfigAuthor}/{state.ConfigAuthor}"):
                    events.Record(null, "configuration", "conflict",
                        $"Configuration revision {state.ConfigRevision} here (by '{state.ConfigAuthor}') and on '{peer.Name}' (by '{peer.ConfigAuthor}') differ: neither replaces the other. " +
                        "Compare them (Get-HaResource on each node) and make the change that is right on one node: its next revision reaches every member.",
                        rule: PlannerRule.ConfigurationNeedsQuorum);
                    break;
            }
        }
        if (newest is null) return;
        foreach (var path in state.Member(newest.Name)!.Paths)
        {
            try
            {
                var config = (await client.RequestAsync(path, MessageTypes.GetConfig, new { }, TimeSpan.FromSeconds(5), cancellationToken)).BodyAs<ClusterConfig>();
                bool adopted = store.Update(s => config.IsNewerThan(s)
                    ? (ClusterService.Adopt(s, config) with { PendingConfig = s.PendingConfig is { } p && p.Config.Revision > config.Revision ? p : null }, true)
                    : (s, false));
                if (adopted)
                    events.Record(null, "configuration", "updated",
                        $"Adopted committed configuration revision {config.Revision} (by '{config.Author}') from '{newest.Name}' (this node had {state.ConfigRevision}): {config.Members.Count} member(s), {config.Resources.Count} resource(s).",
                        rule: PlannerRule.ConfigurationNeedsQuorum);
                return;
            }
            catch (PeerRequestException) { }
        }
    }

    private void DropSettled(NodeState state, PeerSnapshot peers)
    {
        if (state.PendingConfig is not { } held || !ConfigQuorum.Settled(held, state.ConfigRevision, peers[held.Proposer], time.GetUtcNow().UtcTicks)) return;
        bool dropped = store.Update(s => s.PendingConfig?.Id == held.Id ? (s with { PendingConfig = null }, true) : (s, false));
        if (dropped && state.ConfigRevision < held.Config.Revision)
            events.Record(null, "configuration", "dropped",
                $"Dropped configuration revision {held.Config.Revision} proposed by '{held.Proposer}': " + (peers[held.Proposer] is { Alive: true } proposer
                    ? $"it was heard after its deadline still at revision {proposer.ConfigRevision}, so it never committed it."
                    : "its proposer is not alive and its deadline has passed, so it can no longer commit it; later changes are no longer held up by it."),
                rule: PlannerRule.ConfigurationNeedsQuorum);
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
