using System.Net.Sockets;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cluster;

/// <summary>Whether this node may act after a failure, per QUORUM_MODE.</summary>
public static class QuorumEvaluator
{
    public sealed record Verdict(bool Ok, string Reason);

    /// <summary>majority: this node and the members it hears from are more than half of all members.</summary>
    public static Verdict Majority(int members, int reachableIncludingSelf) =>
        reachableIncludingSelf * 2 > members
            ? new Verdict(true, $"majority: {reachableIncludingSelf} of {members} members reachable")
            : new Verdict(false, $"no majority: only {reachableIncludingSelf} of {members} members reachable");

    /// <summary>tcp_remote: TCP connections to more than half of QUORUM_HOSTS within QUORUM_TIMEOUT_SECS.</summary>
    public static async Task<Verdict> TcpRemoteAsync(TunableSet tunables, CancellationToken cancellationToken)
    {
        var hosts = tunables.Text("QUORUM_HOSTS").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (hosts.Length == 0) return new Verdict(false, "tcp_remote: QUORUM_HOSTS is empty; list host:port entries to reach");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(tunables.Seconds("QUORUM_TIMEOUT_SECS"));
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
        return reached * 2 > hosts.Length
            ? new Verdict(true, $"tcp_remote: {reached} of {hosts.Length} quorum hosts reachable")
            : new Verdict(false, $"tcp_remote: only {reached} of {hosts.Length} quorum hosts reachable");
    }
}
