using SiosRoute53.Hierarchy;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cluster;

/// <summary>
/// quickChecks the in-service resources every LKCHECKINTERVAL with local recovery; when recovery fails, the hierarchy
/// goes out of service here and to the next node by priority. Runs through the executor's lock; fencing cancels a
/// round in progress. No exception ends the loop.
/// </summary>
public sealed class CheckLoop(ResourceManager manager, ActionExecutor executor, ClusterObserver observer, StateStore store, ClusterEvents events, TimeProvider time)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        bool checkedOnce = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            // The first round runs as soon as the node has settled, not a check interval later: a restarted owner reads
            // its record (and its mark) at once, and stands down if another node of the cluster owns it now.
            var settings = observer.Settings();
            try { await Task.Delay(checkedOnce ? settings.CheckInterval : settings.HeartbeatInterval, time, cancellationToken); }
            catch (OperationCanceledException) { return; }
            // Not before this node has heard its peers and stood down where another node has taken over.
            if (!observer.Quorum.Ok || !executor.Memory.Settled) continue;
            checkedOnce = true;
            try { await RoundAsync(cancellationToken); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { events.Log("check round cancelled: quorum was lost"); }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) { events.Fault("check", e); }
        }
    }

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        var options = new OperationOptions { Log = events.Log };
        var results = await executor.ExclusiveAsync(ct => manager.CheckAsync(null, recover: true, options, ct), cancellable: true, cancellationToken);
        var failed = results.Where(r => r.Recovered == false).ToList();
        if (failed.Count == 0) return;
        var state = store.Read();
        // A recovery that found another node of the cluster owning the record left it OSU (unimpaired): that node took
        // the hierarchy over, so this one stands down and hands nothing over.
        var lost = failed.Where(f => f.State == ResourceState.OSU).SelectMany(f => RootsAbove(state, f.Tag)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var root in lost)
        {
            events.Record(root, "failover", "standby", $"Recovery found the record of '{root}' owned by another node of this cluster; taking '{root}' out of service here.", rule: PlannerRule.StandDownStaleGeneration);
            await executor.ExclusiveAsync(ct => manager.StopHierarchyAsync(root, options, ct), cancellable: false, cancellationToken);
        }
        foreach (var root in failed.SelectMany(f => RootsAbove(state, f.Tag)).Distinct(StringComparer.OrdinalIgnoreCase).Where(r => !lost.Contains(r)))
        {
            events.Record(root, "failover", "started", $"Local recovery of {string.Join(", ", failed.Select(f => f.Tag))} failed; moving '{root}' to the next node by priority.", rule: PlannerRule.HandOverAfterLocalFailure);
            await executor.ExclusiveAsync(ct => manager.StopHierarchyAsync(root, options, ct), cancellable: false, cancellationToken);
            await executor.HandOver(root, $"local recovery failed on '{state.NodeName}'", cancellationToken);
        }
    }

    // Through the hierarchy graph: a dependency cycle in a hand-edited state is a clear error, not a stack overflow.
    private static IEnumerable<string> RootsAbove(NodeState state, string tag) => HierarchyGraph.Of(state).RootsAbove(tag);
}
