using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Hierarchy;

/// <summary>
/// Who is working on a resource right now: a lease in the resource's status naming the process by id and start
/// time. A lease whose process is gone (killed, or its id reused by another process) is stale and is cleared.
/// Leasing is a pure change of the state; the caller writes it.
/// </summary>
public static class Leases
{
    public static ProcessIdentity? Holder(ResourceStatus status) =>
        status.BusyPid is { } pid ? new ProcessIdentity(pid, status.BusyStart ?? 0) : null;

    /// <summary>True when another live process holds the lease.</summary>
    public static bool HeldByOther(ResourceStatus status) =>
        Holder(status) is { } holder && holder != ProcessIdentity.Current && holder.Pid != Environment.ProcessId && holder.IsAlive();

    /// <summary>True when a live process (this one included) holds the lease.</summary>
    public static bool Held(ResourceStatus status) => Holder(status) is { } holder && holder.IsAlive();

    /// <summary>The state with every stale lease on this node cleared, and the tags that had one.</summary>
    public static (NodeState State, List<string> Cleared) ClearStale(NodeState state)
    {
        var cleared = new List<string>();
        var next = state;
        foreach (var status in state.States.Where(s => s.Node.Equals(state.NodeName, StringComparison.OrdinalIgnoreCase) && s.BusyPid is not null))
        {
            if (Held(status)) continue;
            cleared.Add(status.Tag);
            next = next.WithStatus(Released(status));
        }
        return (next, cleared);
    }

    /// <summary>Leases <paramref name="tags"/> to this process for <paramref name="action"/>; throws when another live process holds one.</summary>
    public static NodeState Take(NodeState state, IEnumerable<string> tags, string action, DateTimeOffset now)
    {
        var me = ProcessIdentity.Current;
        var next = state;
        foreach (var tag in tags)
        {
            var status = next.StatusOf(tag, next.NodeName);
            if (HeldByOther(status))
                throw new ResourceBusyException($"'{tag}' is busy: {status.BusyAction} by process {status.BusyPid} since {status.BusySince:u}. Try again when it has finished.");
            next = next.WithStatus(status with { BusyPid = me.Pid, BusyStart = me.StartTime, BusyAction = action, BusySince = now });
        }
        return next;
    }

    /// <summary>Releases this process's leases on <paramref name="tags"/>.</summary>
    public static NodeState Release(NodeState state, IEnumerable<string> tags)
    {
        var next = state;
        foreach (var tag in tags)
        {
            if (state.Find(tag) is null) continue;
            var status = next.StatusOf(tag, next.NodeName);
            if (status.BusyPid == Environment.ProcessId) next = next.WithStatus(Released(status));
        }
        return next;
    }

    private static ResourceStatus Released(ResourceStatus status) => status with { BusyPid = null, BusyStart = null, BusyAction = null, BusySince = null };
}
