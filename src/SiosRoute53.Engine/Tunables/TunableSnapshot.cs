namespace SiosRoute53.Tunables;

/// <summary>
/// The tunables of one operation, typed: read once from a <see cref="TunableSet"/> (file, defaults, overrides), so no
/// use site spells a key or parses a value.
/// </summary>
public sealed record TunableSnapshot
{
    public required TimeSpan Route53Ttl { get; init; }
    public required TimeSpan RecordInterval { get; init; }
    public required int RecordTryCount { get; init; }
    public required TimeSpan ChangeIdInterval { get; init; }
    public required int ChangeIdTryCount { get; init; }
    public required TimeSpan RecordCheckInterval { get; init; }
    public required int RecordCheckTryCount { get; init; }
    public required TimeSpan QuickCheckTimeout { get; init; }
    public required string EndpointUrl { get; init; }
    public required string DnsHintServers { get; init; }
    public required int RequestsPerSecond { get; init; }
    public required TimeSpan ServiceCommandTimeout { get; init; }
    public required TimeSpan HeartbeatInterval { get; init; }
    public required int MissedHeartbeats { get; init; }
    public required TimeSpan CheckInterval { get; init; }
    public required string QuorumMode { get; init; }
    public required string QuorumHosts { get; init; }
    public required TimeSpan QuorumTimeout { get; init; }
    public required string WitnessMode { get; init; }
    public required string QuorumLossAction { get; init; }
    public required string FastkillCommand { get; init; }
    public required string FastbootCommand { get; init; }

    /// <summary>The INSYNC budget: ROUTE53_CHANGEID_INTERVAL × ROUTE53_CHANGEID_TRY_COUNT.</summary>
    public TimeSpan InsyncBudget => ChangeIdInterval * ChangeIdTryCount;

    public static TunableSnapshot From(TunableSet set) => new()
    {
        Route53Ttl = set.Seconds("ROUTE53_TTL"),
        RecordInterval = set.Seconds("ROUTE53_RECORD_INTERVAL"),
        RecordTryCount = set.Int("ROUTE53_RECORD_TRY_COUNT"),
        ChangeIdInterval = set.Seconds("ROUTE53_CHANGEID_INTERVAL"),
        ChangeIdTryCount = set.Int("ROUTE53_CHANGEID_TRY_COUNT"),
        RecordCheckInterval = set.Seconds("ROUTE53_RECORDCHECK_INTERVAL"),
        RecordCheckTryCount = set.Int("ROUTE53_RECORDCHECK_TRY_COUNT"),
        QuickCheckTimeout = set.Seconds("ROUTE53_QUICKCHECK_TIMEOUT"),
        EndpointUrl = set.Text("ROUTE53_ENDPOINT_URL"),
        DnsHintServers = set.Text("ROUTE53_DNS_HINT_SERVERS"),
        RequestsPerSecond = set.Int("ROUTE53_REQUESTS_PER_SECOND"),
        ServiceCommandTimeout = set.Seconds("SERVICE_COMMAND_TIMEOUT"),
        HeartbeatInterval = set.Seconds("LCMHBEATTIME"),
        MissedHeartbeats = set.Int("LCMNUMHBEATS"),
        CheckInterval = set.Seconds("LKCHECKINTERVAL"),
        QuorumMode = set.Text("QUORUM_MODE"),
        QuorumHosts = set.Text("QUORUM_HOSTS"),
        QuorumTimeout = set.Seconds("QUORUM_TIMEOUT_SECS"),
        WitnessMode = set.Text("WITNESS_MODE"),
        QuorumLossAction = set.Text("QUORUM_LOSS_ACTION"),
        FastkillCommand = set.Text("FASTKILL_COMMAND"),
        FastbootCommand = set.Text("FASTBOOT_COMMAND"),
    };
}
