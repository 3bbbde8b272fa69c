using System.Collections.Immutable;
using SiosRoute53.Model;

namespace SiosRoute53.Cluster;

/// <summary>What this node knows about one peer: when it was last heard, and what it last said.</summary>
public sealed record PeerRecord
{
    public required string Name { get; init; }
    public MemberRole Role { get; init; } = MemberRole.Node;

    /// <summary>Heard within the dead time on some path, and not leaving.</summary>
    public bool Alive { get; init; }
    public bool EverHeard { get; init; }

    /// <summary>Its agent said it is stopping cleanly: not lost, and not expected to vote.</summary>
    public bool Leaving { get; init; }

    /// <summary>This node has recorded that the peer left (its leave can come while it already counts as dead).</summary>
    public bool LeaveNoted { get; init; }

    /// <summary>Added to the membership while this agent ran and not heard yet: not expected to vote until heard.</summary>
    public bool Joining { get; init; }

    public long LastHeard { get; init; }
    public long ReportAsOf { get; init; }
    public ImmutableList<ResourceStateReport> Resources { get; init; } = ImmutableList<ResourceStateReport>.Empty;
    public long ConfigRevision { get; init; }
    public string ConfigAuthor { get; init; } = "";
    public ImmutableHashSet<string> Hears { get; init; } = ImmutableHashSet.Create<string>(StringComparer.OrdinalIgnoreCase);
    public bool Quorum { get; init; }

    public ResourceStateReport? Report(string tag) => Resources.FirstOrDefault(r => r.Tag.Equals(tag, StringComparison.OrdinalIgnoreCase));
}

/// <summary>An immutable view of the peer table, taken at once: decisions read it without locks.</summary>
public sealed record PeerSnapshot(ImmutableDictionary<string, PeerRecord> Peers)
{
    public static readonly PeerSnapshot Empty = new(ImmutableDictionary.Create<string, PeerRecord>(StringComparer.OrdinalIgnoreCase));

    public PeerRecord? this[string name] => Peers.GetValueOrDefault(name);

    public bool IsAlive(string name) => Peers.TryGetValue(name, out var p) && p.Alive;

    public IEnumerable<PeerRecord> Alive => Peers.Values.Where(p => p.Alive);

    public static PeerSnapshot Of(params PeerRecord[] peers) =>
        new(peers.ToImmutableDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase));
}

/// <summary>A peer came, went, or left cleanly.</summary>
public sealed record PeerTransition(string Peer, PeerChange Change);

public enum PeerChange { Restored, Lost, Left }

/// <summary>
/// The peer table: every write (a heartbeat heard, a liveness round) goes through here under one lock and publishes
/// a new immutable <see cref="PeerSnapshot"/>; readers (the planner, status requests) never lock and never see half
/// an update.
/// </summary>
public sealed class PeerTable(TimeProvider time)
{
    private readonly object _write = new();
    private PeerSnapshot _snapshot = PeerSnapshot.Empty;
    private ImmutableHashSet<string>? _initialMembers;

    public PeerSnapshot Snapshot => Volatile.Read(ref _snapshot);

    private void Publish(Func<ImmutableDictionary<string, PeerRecord>, ImmutableDictionary<string, PeerRecord>> change)
    {
        lock (_write) Volatile.Write(ref _snapshot, new PeerSnapshot(change(_snapshot.Peers)));
    }

    /// <summary>A heartbeat (or its reply) from <paramref name="from"/>; an older report never replaces a newer one.</summary>
    public void Heard(string from, HeartbeatBody body)
    {
        long now = time.GetTimestamp();
        Publish(peers =>
        {
            var p = peers.GetValueOrDefault(from) ?? new PeerRecord { Name = from };
            p = p with { LastHeard = now, EverHeard = true, Joining = false };
            // A heartbeat and a reply cross on the wire: an older report must not replace a newer one.
            if (body.AsOf >= p.ReportAsOf)
            {
                p = p with
                {
                    ReportAsOf = body.AsOf,
                    Resources = body.Resources.ToImmutableList(),
                    ConfigRevision = body.ConfigRevision,
                    ConfigAuthor = body.ConfigAuthor,
                    Hears = (body.Hears ?? new()).ToImmutableHashSet(StringComparer.OrdinalIgnoreCase),
                    Quorum = body.Quorum,
                    Leaving = body.Leaving,
                };
            }
            return peers.SetItem(from, p);
        });
    }

    /// <summary>
    /// Decides who is alive now: heard within <paramref name="deadAfter"/> and not leaving. Members added since the
    /// first round and not heard yet are joining. Returns what changed.
    /// </summary>
    public IReadOnlyList<PeerTransition> Evaluate(IReadOnlyList<ClusterMember> members, string self, TimeSpan deadAfter)
    {
        var changes = new List<PeerTransition>();
        long now = time.GetTimestamp();
        Publish(peers =>
        {
            var others = members.Where(m => !m.Name.Equals(self, StringComparison.OrdinalIgnoreCase)).ToList();
            _initialMembers ??= others.Select(m => m.Name).ToImmutableHashSet(StringComparer.OrdinalIgnoreCase);
            var next = ImmutableDictionary.CreateBuilder<string, PeerRecord>(StringComparer.OrdinalIgnoreCase);
            foreach (var m in others)
            {
                var p = peers.GetValueOrDefault(m.Name) ?? new PeerRecord { Name = m.Name, Joining = !_initialMembers.Contains(m.Name) };
                bool alive = p.EverHeard && !p.Leaving && time.GetElapsedTime(p.LastHeard, now) < deadAfter;
                bool noted = p.LeaveNoted && p.Leaving;
                if (alive && !p.Alive) changes.Add(new(m.Name, PeerChange.Restored));
                else if (!alive && p.Alive) { changes.Add(new(m.Name, p.Leaving ? PeerChange.Left : PeerChange.Lost)); noted = p.Leaving; }
                // A peer that came back and stopped cleanly before this node heard it alive still says so once.
                else if (!alive && p.Leaving && !noted) { changes.Add(new(m.Name, PeerChange.Left)); noted = true; }
                next[m.Name] = p with { Name = m.Name, Role = m.Role, Alive = alive, LeaveNoted = noted };
            }
            return next.ToImmutable();
        });
        return changes;
    }
}
