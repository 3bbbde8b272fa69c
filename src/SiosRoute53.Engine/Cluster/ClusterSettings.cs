using SiosRoute53.Tunables;

namespace SiosRoute53.Cluster;

/// <summary>QUORUM_MODE: how a node decides it may act after a failure.</summary>
public enum QuorumMode { Majority, TcpRemote, None }

/// <summary>WITNESS_MODE: whether the other members must confirm a peer is dead before a takeover.</summary>
public enum WitnessMode { RemoteVerify, None }

/// <summary>QUORUM_LOSS_ACTION: what a node that loses quorum does.</summary>
public enum QuorumLossAction { Osu, Fastkill, Fastboot }

/// <summary>A cluster tunable that cannot be used: the key, the value and what to do.</summary>
public sealed class ClusterSettingsException(string key, string value, string message) : Exception(message)
{
    public string Key { get; } = key;
    public string Value { get; } = value;
}

/// <summary>
/// The cluster's tunables, read once per round and typed: the decisions never look at a string key. An unknown
/// mode is an error, never silently <c>majority</c>.
/// </summary>
public sealed record ClusterSettings
{
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);
    public int MissedHeartbeats { get; init; } = 3;
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(120);
    public QuorumMode QuorumMode { get; init; } = QuorumMode.Majority;
    public IReadOnlyList<string> QuorumHosts { get; init; } = Array.Empty<string>();
    public TimeSpan QuorumTimeout { get; init; } = TimeSpan.FromSeconds(20);
    public WitnessMode WitnessMode { get; init; } = WitnessMode.RemoteVerify;
    public QuorumLossAction QuorumLossAction { get; init; } = QuorumLossAction.Osu;
    public string FastkillCommand { get; init; } = "systemctl reboot --force --force";
    public string FastbootCommand { get; init; } = "systemctl reboot --force";

    /// <summary>Takeover retries after a Route 53 failure: the pause between them and how many (seed: ROUTE53_RECORD_*).</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);
    public int RetryCount { get; init; } = 3;

    /// <summary>A peer is dead after this long without a heartbeat on any path (LCMHBEATTIME × LCMNUMHBEATS).</summary>
    public TimeSpan DeadAfter => HeartbeatInterval * MissedHeartbeats;

    /// <summary>How long one heartbeat request may take.</summary>
    public TimeSpan HeartbeatTimeout => TimeSpan.FromSeconds(Math.Clamp(HeartbeatInterval.TotalSeconds, 1, 3));

    public static ClusterSettings From(TunableSet tunables) => From(tunables.Typed);

    public static ClusterSettings From(TunableSnapshot t) => new()
    {
        HeartbeatInterval = t.HeartbeatInterval,
        MissedHeartbeats = t.MissedHeartbeats,
        CheckInterval = t.CheckInterval,
        QuorumMode = Parse("QUORUM_MODE", t.QuorumMode, ("majority", QuorumMode.Majority), ("tcp_remote", QuorumMode.TcpRemote), ("none", QuorumMode.None)),
        QuorumHosts = t.QuorumHosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        QuorumTimeout = t.QuorumTimeout,
        WitnessMode = Parse("WITNESS_MODE", t.WitnessMode, ("remote_verify", WitnessMode.RemoteVerify), ("none", WitnessMode.None)),
        QuorumLossAction = Parse("QUORUM_LOSS_ACTION", t.QuorumLossAction, ("osu", QuorumLossAction.Osu), ("fastkill", QuorumLossAction.Fastkill), ("fastboot", QuorumLossAction.Fastboot)),
        FastkillCommand = t.FastkillCommand,
        FastbootCommand = t.FastbootCommand,
        RetryInterval = t.RecordInterval,
        RetryCount = t.RecordTryCount,
    };

    /// <summary>One of the named values, exactly; anything else is an error naming the key, the value and the choices.</summary>
    public static T Parse<T>(string key, string value, params (string Name, T Value)[] choices)
    {
        foreach (var (name, v) in choices)
            if (name.Equals(value, StringComparison.Ordinal)) return v;
        throw new ClusterSettingsException(key, value,
            $"{key}='{value}' is not one of {string.Join(", ", choices.Select(c => c.Name))}. Correct it in the tunables file; the agent keeps its last good settings meanwhile.");
    }

    /// <summary>
    /// Null when losing one node leaves the others able to decide; otherwise what happens and how to fix it: with two
    /// nodes and no witness (and no tcp_remote hosts), the survivor of a crash has no majority and fences itself.
    /// </summary>
    public string? TwoNodeWarning(IReadOnlyList<Model.ClusterMember> members)
    {
        int nodes = members.Count(m => m.Role == Model.MemberRole.Node);
        int witnesses = members.Count(m => m.Role == Model.MemberRole.Witness);
        if (witnesses > 0 || QuorumMode == QuorumMode.TcpRemote && QuorumHosts.Count > 0 || nodes > 2) return null;
        if (QuorumMode == QuorumMode.None)
            return "QUORUM_MODE=none: nothing fences a node that is cut off, so after a partition both nodes may bring the hierarchy in service (the record's compare-and-swap picks one). Add a witness: Join-HaCluster -Witness on a third machine, and set QUORUM_MODE=majority.";
        return nodes < 2
            ? "This cluster will need a witness: with two nodes and no witness, when one node dies the other has no majority and takes its hierarchies out of service. Add one with Join-HaCluster -Witness on a third machine (or set QUORUM_MODE=tcp_remote with QUORUM_HOSTS)."
            : "Two nodes and no witness: when one node dies (not a clean stop), the other has no majority and takes its hierarchies out of service. Add a witness with Join-HaCluster -Witness on a third machine, or set QUORUM_MODE=tcp_remote with QUORUM_HOSTS.";
    }

    /// <summary>The two-node warning for a node's membership and tunables file (the built-in defaults when the file cannot be read).</summary>
    public static string? TwoNodeWarning(Model.NodeState state, string? tunablesPath)
    {
        ClusterSettings settings;
        try { settings = From(TunableSet.Load(tunablesPath)); }
        catch (Exception e) when (e is TunablesFileException or ClusterSettingsException or IOException) { settings = new ClusterSettings(); }
        return state.Members.Count == 0 ? null : settings.TwoNodeWarning(state.Members);
    }
}
