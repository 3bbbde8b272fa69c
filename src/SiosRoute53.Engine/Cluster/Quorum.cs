using System.Net.Sockets;
using SiosRoute53.Model;

namespace SiosRoute53.Cluster;

/// <summary>Whether this node may act after a failure, and why.</summary>
public sealed record QuorumVerdict(bool Ok, string Reason);

/// <summary>What a quorum strategy sees: the membership and the peer table, at one moment.</summary>
public sealed record QuorumInput(string Self, IReadOnlyList<ClusterMember> Members, PeerSnapshot Peers);

/// <summary>One QUORUM_MODE. Evaluating never waits: a strategy that needs the network probes on its own timer.</summary>
public interface IQuorumStrategy
{
    QuorumVerdict Evaluate(QuorumInput input);
}

/// <summary>
/// majority: this node and the members it hears are more than half of the expected votes. A member that left cleanly
/// (its agent said so) and a member added while this agent ran and not heard yet are not expected: taking the
/// standby down for maintenance, or adding a member, never fences the active node. Only a member that vanishes counts.
/// </summary>
public sealed class MajorityQuorum : IQuorumStrategy
{
    public QuorumVerdict Evaluate(QuorumInput input)
    {
        var others = input.Members.Where(m => !m.Name.Equals(input.Self, StringComparison.OrdinalIgnoreCase)).ToList();
        var excused = others.Where(m => input.Peers[m.Name] is { Leaving: true } or { Joining: true }).Select(m => m.Name).ToList();
        int expected = 1 + others.Count - excused.Count;
        int reachable = 1 + others.Count(m => input.Peers.IsAlive(m.Name));
        string excuse = excused.Count == 0 ? "" : $"; not expected: {string.Join(", ", excused.Select(n => $"'{n}' ({(input.Peers[n]!.Leaving ? "left cleanly" : "joining, not heard yet")})"))}";
        return Majority(expected, reachable, excuse);
    }

    public static QuorumVerdict Majority(int members, int reachableIncludingSelf, string note = "") =>
        reachableIncludingSelf * 2 > members
            ? new QuorumVerdict(true, $"majority: {reachableIncludingSelf} of {members} members reachable{note}")
            : new QuorumVerdict(false, $"no majority: only {reachableIncludingSelf} of {members} members reachable{note}");
}

/// <summary>QUORUM_MODE=none: always allowed (no fencing; the record's compare-and-swap is the only guard).</summary>
public sealed class NoQuorum : IQuorumStrategy
{
    public QuorumVerdict Evaluate(QuorumInput input) => new(true, "QUORUM_MODE=none");
}

/// <summary>
/// tcp_remote: TCP connections to more than half of QUORUM_HOSTS within QUORUM_TIMEOUT_SECS. The probes run on
/// their own timer (<see cref="RunAsync"/>); evaluating returns the last verdict, so a slow probe never holds up
/// heartbeats. A verdict older than two probe periods does not count.
/// </summary>
public sealed class TcpRemoteQuorum(TimeProvider time) : IQuorumStrategy
{
    private sealed record Probe(QuorumVerdict Verdict, long At, TimeSpan Valid);
    private Probe? _last;

    public QuorumVerdict Evaluate(QuorumInput input)
    {
        var last = Volatile.Read(ref _last);
        if (last is null) return new QuorumVerdict(false, "tcp_remote: the quorum hosts have not been probed yet");
        if (time.GetElapsedTime(last.At) > last.Valid)
            return new QuorumVerdict(false, $"tcp_remote: no probe has finished for {time.GetElapsedTime(last.At).TotalSeconds:0} s");
        return last.Verdict;
    }


    /// <summary>Probes every heartbeat interval until cancelled; never throws.</summary>
    public async Task RunAsync(Func<ClusterSettings> settings, Action<Exception> fault, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var s = settings();
            try
            {
                var verdict = await ProbeAsync(s.QuorumHosts, s.QuorumTimeout, cancellationToken);
                Volatile.Write(ref _last, new Probe(verdict, time.GetTimestamp(), 2 * (s.QuorumTimeout + s.HeartbeatInterval)));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) { fault(e); }
            try { await Task.Delay(s.HeartbeatInterval, time, cancellationToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    public static async Task<QuorumVerdict> ProbeAsync(IReadOnlyList<string> hosts, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (hosts.Count == 0) return new QuorumVerdict(false, "tcp_remote: QUORUM_HOSTS is empty; list host:port entries to reach");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var attempts = hosts.Select(async h =>
        {
            try
            {
                var (host, port) = PeerClient.ParsePath(h);
                using var client = new TcpClient();
                await client.ConnectAsync(host, port, limit.Token);
                return true;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException) { return false; }
        });
        int reached = (await Task.WhenAll(attempts)).Count(ok => ok);
        return reached * 2 > hosts.Count
            ? new QuorumVerdict(true, $"tcp_remote: {reached} of {hosts.Count} quorum hosts reachable")
            : new QuorumVerdict(false, $"tcp_remote: only {reached} of {hosts.Count} quorum hosts reachable");
    }
}
