using SiosRoute53.Model;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cluster;

/// <summary>A configuration change that did not reach a majority of the members: nothing changed anywhere.</summary>
public sealed class ConfigurationNotCommittedException(string message) : HaException(message)
{
    public override string ErrorId => "ConfigurationNotCommitted";
    public override HaErrorKind Kind => HaErrorKind.QuorumMissing;
}

/// <summary>
/// A proposed configuration change: revision <see cref="Config"/>.Revision on top of the committed revision
/// <see cref="BaseRevision"/> by <see cref="BaseAuthor"/>. <see cref="DeadlineTicks"/> is on the proposer's clock:
/// the proposer commits only before it, so a member that hears the proposer later at the base revision knows the
/// change was abandoned.
/// </summary>
public sealed record ConfigProposal(string Id, string Proposer, long BaseRevision, string BaseAuthor, ClusterConfig Config, long DeadlineTicks);

/// <summary>
/// A member's answer to a proposal: stored (it holds the change until it is committed or abandoned) or refused, and
/// why; <see cref="Left"/> names the members its agent knows stopped cleanly (they are not expected to vote).
/// </summary>
public sealed record ConfigVote(bool Stored, string Reason, List<string>? Left = null);

/// <summary>The proposer's word after the vote: <see cref="Commit"/> true applies the held change, false drops it.</summary>
public sealed record ConfigSettleBody(string Id, bool Commit);

/// <summary>What replication does with a live peer's committed revision.</summary>
public enum ConfigComparison { Keep, Adopt, Conflict }

/// <summary>The verdict on a proposal once every member answered or timed out.</summary>
public sealed record ConfigCommitVerdict(bool Committed, string Reason);

/// <summary>
/// Rule 11, the decisions: a configuration change is committed only when a majority of the members (nodes and
/// witnesses) has stored it; each member stores at most one undecided change per revision; replication adopts only a
/// higher committed revision, and two different configurations with the same revision are a conflict, never a silent
/// replace. Pure functions.
/// </summary>
public static class ConfigQuorum
{
    /// <summary>How long a proposer waits for the members' votes (all paths of all members) before it refuses the change.</summary>
    public static readonly TimeSpan VoteTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The proposer commits only within this long of proposing: the votes' wait and a margin to write.</summary>
    public static readonly TimeSpan CommitDeadline = VoteTimeout + TimeSpan.FromSeconds(2);

    /// <summary>After the proposer's deadline, how much later its heartbeat must be to prove the change was abandoned.</summary>
    public static readonly TimeSpan AbandonMargin = TimeSpan.FromSeconds(2);

    /// <summary>Whether a member whose state is <paramref name="state"/> stores <paramref name="proposal"/>.</summary>
    public static ConfigVote Vote(NodeState state, ConfigProposal proposal)
    {
        if (state.ConfigRevision > proposal.BaseRevision)
            return new(false, $"'{state.NodeName}' already has configuration revision {state.ConfigRevision} (by '{state.ConfigAuthor}'), newer than revision {proposal.BaseRevision} the change was made on; wait until it has reached '{proposal.Proposer}' and make the change again");
        if (state.ConfigRevision < proposal.BaseRevision)
            return new(false, $"'{state.NodeName}' has configuration revision {state.ConfigRevision}, older than revision {proposal.BaseRevision} the change was made on; it catches up within a heartbeat");
        if (!state.ConfigAuthor.Equals(proposal.BaseAuthor, StringComparison.OrdinalIgnoreCase))
            return new(false, $"'{state.NodeName}' has a different configuration revision {state.ConfigRevision} (by '{state.ConfigAuthor}', not '{proposal.BaseAuthor}')");
        // The same proposer's newer proposal on the same base replaces its older one: it makes one change at a time
        // (under its store lock), so the older one was not committed.
        if (state.PendingConfig is { } held && held.Id != proposal.Id && held.Config.Revision >= proposal.Config.Revision
            && !held.Proposer.Equals(proposal.Proposer, StringComparison.OrdinalIgnoreCase))
            return new(false, $"'{state.NodeName}' holds another undecided change for revision {held.Config.Revision} from '{held.Proposer}'; it is settled when '{held.Proposer}' commits or gives it up");
        return new(true, "stored");
    }

    /// <summary>
    /// Committed when this node and the members that stored the change are more than half of the members expected to
    /// vote. <paramref name="refusals"/> names each other member that did not store it, with why. A member that did not
    /// store it and that a member which answered knows stopped its agent cleanly (<paramref name="left"/>) is not
    /// expected, as in rule 1's expected votes: a member down for maintenance does not block configuration changes.
    /// </summary>
    public static ConfigCommitVerdict Decide(IReadOnlyList<ClusterMember> members, string self, IReadOnlyDictionary<string, string> refusals, IReadOnlyCollection<string>? left = null)
    {
        var excused = members.Where(m => refusals.ContainsKey(m.Name) && left?.Contains(m.Name, StringComparer.OrdinalIgnoreCase) == true).Select(m => m.Name).ToList();
        if (excused.Count > 0)
        {
            var verdict = Decide(members.Where(m => !excused.Contains(m.Name)).ToList(), self,
                refusals.Where(r => !excused.Contains(r.Key)).ToDictionary(r => r.Key, r => r.Value, StringComparer.OrdinalIgnoreCase));
            return verdict with { Reason = $"{verdict.Reason}; not expected: {string.Join(", ", excused.Select(n => $"'{n}' (left cleanly)"))}" };
        }
        int total = members.Count;
        int stored = members.Count(m => m.Name.Equals(self, StringComparison.OrdinalIgnoreCase) || !refusals.ContainsKey(m.Name));
        int needed = total / 2 + 1;
        string storedOn = string.Join(", ", members.Where(m => !refusals.ContainsKey(m.Name)).Select(m => $"'{m.Name}'"));
        if (stored >= needed)
            return new(true, $"stored on {stored} of {total} members ({storedOn}); a majority is {needed}");
        string why = string.Join("; ", refusals.Select(r => $"'{r.Key}': {r.Value}"));
        return new(false, $"a configuration change needs a majority of the {total} members ({needed}) to store it, and only {stored} did ({storedOn}). Not stored: {why}. Nothing was changed; make the change again when a majority is reachable");
    }

    /// <summary>What replication does with a live peer's committed (revision, author) against this node's.</summary>
    public static ConfigComparison Compare(long localRevision, string localAuthor, long peerRevision, string peerAuthor) =>
        peerRevision > localRevision ? ConfigComparison.Adopt
        : peerRevision == localRevision && !peerAuthor.Equals(localAuthor, StringComparison.OrdinalIgnoreCase) ? ConfigComparison.Conflict
        : ConfigComparison.Keep;

    /// <summary>
    /// Whether this node can forget the change it holds: a committed revision at least as new arrived, or the
    /// proposer was heard after its deadline (plus a margin) still at an older revision, so it never committed it.
    /// A proposer that is not alive (it died, or its node stopped, in the middle of the change) once its deadline and
    /// the margin have passed on this node's clock (<paramref name="nowTicks"/>) cannot commit any more either: the held
    /// change is given up, so it never blocks later revisions. Had it committed before dying, its committed revision
    /// reaches the others through replication when it is back.
    /// </summary>
    public static bool Settled(ConfigProposal held, long committedRevision, PeerRecord? proposer, long nowTicks) =>
        committedRevision >= held.Config.Revision
        || (proposer is { EverHeard: true } && proposer.ReportAsOf > held.DeadlineTicks + AbandonMargin.Ticks && proposer.ConfigRevision < held.Config.Revision)
        || (proposer is not { Alive: true } && nowTicks > held.DeadlineTicks + AbandonMargin.Ticks);
}

/// <summary>
/// Rule 11, the edge: every change to the cluster-wide configuration made on this node goes through here (the store
/// calls it, under its lock, for a state marked <see cref="NodeState.ConfigChanged"/>). With no other member the
/// change commits locally. Otherwise it is proposed to every other member over the authenticated protocol and
/// committed only when a majority stored it; else it is refused with the reason, and nothing changes.
/// QUORUM_MODE=none commits locally with a warning event: that mode accepts running without quorum, and the
/// same-revision conflict event tells when two sides changed the configuration apart.
/// </summary>
public static class ConfigCommitter
{
    public static NodeState Commit(StateStore store, NodeState current, NodeState next, Action<HaEvent> record)
    {
        var others = current.Members.Where(m => !m.Name.Equals(current.NodeName, StringComparison.OrdinalIgnoreCase)).ToList();
        if (others.Count == 0 || current.Member(current.NodeName) is null) return next;
        var time = store.Time;
        if (QuorumModeOf() == QuorumMode.None)
        {
            Record(record, store, current.NodeName, "configuration", "warning",
                $"Committed configuration revision {next.ConfigRevision} on this node alone: QUORUM_MODE=none does not ask the other members; a change made elsewhere meanwhile conflicts with it.");
            return next;
        }
        var proposal = new ConfigProposal(Guid.NewGuid().ToString("N"), current.NodeName, current.ConfigRevision, current.ConfigAuthor, ClusterConfig.Of(next),
            (time.GetUtcNow() + ConfigQuorum.CommitDeadline).UtcTicks);
        var own = ConfigQuorum.Vote(current, proposal);
        if (!own.Stored) throw Refused(record, store, current, next, $"{own.Reason}. Nothing was changed");

        ClusterKey key;
        try { key = ClusterKey.Load(ClusterKey.PathIn(store.Directory)).Key; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw Refused(record, store, current, next, $"the cluster key cannot be read ({e.Message}), so the other members cannot be asked. Nothing was changed");
        }
        var client = new PeerClient(key, current.ClusterName, current.NodeName, time);
        using var voting = new CancellationTokenSource(ConfigQuorum.VoteTimeout);
        var leftHere = LeftAsync(client, current.Member(current.NodeName)!, voting.Token);
        var votes = Task.WhenAll(others.Select(m => AskAsync(client, m, proposal, voting.Token))).GetAwaiter().GetResult();
        var refusals = votes.Where(v => !v.Vote.Stored).ToDictionary(v => v.Member.Name, v => v.Vote.Reason, StringComparer.OrdinalIgnoreCase);
        var left = votes.SelectMany(v => v.Vote.Left ?? new()).Concat(leftHere.GetAwaiter().GetResult()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var verdict = ConfigQuorum.Decide(current.Members, current.NodeName, refusals, left);
        bool inTime = time.GetUtcNow().UtcTicks < proposal.DeadlineTicks;
        var storedOn = votes.Where(v => v.Vote.Stored).Select(v => v.Member).ToList();
        if (!verdict.Committed || !inTime)
        {
            Settle(client, storedOn, proposal.Id, commit: false);
            throw Refused(record, store, current, next, verdict.Committed ? $"the members' votes came after the {ConfigQuorum.CommitDeadline.TotalSeconds:0} s deadline. Nothing was changed" : verdict.Reason);
        }
        Settle(client, storedOn, proposal.Id, commit: true);
        Record(record, store, current.NodeName, "configuration", "committed", $"Committed configuration revision {next.ConfigRevision}: {verdict.Reason}.");
        return next;
    }

    private static QuorumMode QuorumModeOf()
    {
        try { return ClusterSettings.From(TunableSet.Load(TunableSet.ResolvePath(null))).QuorumMode; }
        catch (Exception e) when (e is TunablesFileException or ClusterSettingsException or IOException) { return QuorumMode.Majority; }
    }

    private static async Task<(ClusterMember Member, ConfigVote Vote)> AskAsync(PeerClient client, ClusterMember member, ConfigProposal proposal, CancellationToken voting)
    {
        var errors = new List<string>();
        foreach (var path in member.Paths)
        {
            try
            {
                var reply = await client.RequestAsync(path, MessageTypes.ProposeConfig, proposal, ConfigQuorum.VoteTimeout, voting).ConfigureAwait(false);
                return (member, reply.BodyAs<ConfigVote>());
            }
            catch (PeerRequestException e) { errors.Add(e.Message); }
            catch (OperationCanceledException) { errors.Add($"{path}: no answer within {ConfigQuorum.VoteTimeout.TotalSeconds:0} s"); break; }
        }
        return (member, new ConfigVote(false, "not reachable (" + string.Join("; ", errors) + ")"));
    }

    /// <summary>The members this node's own agent knows stopped cleanly (none when the agent does not answer).</summary>
    private static async Task<IEnumerable<string>> LeftAsync(PeerClient client, ClusterMember self, CancellationToken voting)
    {
        foreach (var path in self.Paths)
        {
            try
            {
                var reply = await client.RequestAsync(path, MessageTypes.Status, new { }, ConfigQuorum.VoteTimeout, voting).ConfigureAwait(false);
                return reply.BodyAs<StatusReply>().Peers.Where(p => p.Leaving).Select(p => p.Name).ToList();
            }
            catch (PeerRequestException) { }
            catch (OperationCanceledException) { break; }
        }
        return Array.Empty<string>();
    }

    /// <summary>Tells the members that stored the change whether it was committed; best effort (replication and <see cref="ConfigQuorum.Settled"/> cover a lost message).</summary>
    private static void Settle(PeerClient client, IReadOnlyList<ClusterMember> members, string id, bool commit)
    {
        var sends = members.Select(async m =>
        {
            foreach (var path in m.Paths)
            {
                try { await client.RequestAsync(path, MessageTypes.SettleConfig, new ConfigSettleBody(id, commit), ConfigQuorum.VoteTimeout, CancellationToken.None).ConfigureAwait(false); return; }
                catch (PeerRequestException) { }
            }
        });
        Task.WhenAll(sends).GetAwaiter().GetResult();
    }

    private static ConfigurationNotCommittedException Refused(Action<HaEvent> record, StateStore store, NodeState current, NodeState next, string reason)
    {
        Record(record, store, current.NodeName, "configuration", "refused", $"Refused configuration revision {next.ConfigRevision}: {reason}.");
        return new ConfigurationNotCommittedException($"The configuration change was not accepted: {reason}.");
    }

    /// <summary>The store appends these events once it has released its lock.</summary>
    private static void Record(Action<HaEvent> record, StateStore store, string node, string action, string outcome, string message) =>
        record(new HaEvent { Time = store.Time.GetUtcNow(), Node = node, Action = action, Outcome = outcome, Message = message, Rule = PlannerRule.ConfigurationNeedsQuorum });
}
