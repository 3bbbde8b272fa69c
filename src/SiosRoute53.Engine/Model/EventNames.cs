namespace SiosRoute53.Model;

/// <summary>
/// Every action the event history records, in one place: the engine writes these, Get-HaEvent -Action checks and
/// completes against <see cref="All"/>.
/// </summary>
public static class EventActions
{
    public const string Create = "create";
    public const string RemoveResource = "remove-resource";
    public const string Update = "update";
    public const string Import = "import";
    public const string Dependency = "dependency";
    public const string Restore = "restore";
    public const string Remove = "remove";
    public const string Rollback = "rollback";
    public const string QuickCheck = "quickCheck";
    public const string Recover = "recover";
    public const string Lease = "lease";
    public const string Failover = "failover";
    public const string Switchover = "switchover";
    public const string Extend = "extend";
    public const string Cluster = "cluster";
    public const string Configuration = "configuration";
    public const string Heartbeat = "heartbeat";
    public const string Quorum = "quorum";
    public const string Reconcile = "reconcile";
    public const string Agent = "agent";
    public const string Security = "security";

    public static readonly IReadOnlyList<string> All = new[]
    {
        Create, RemoveResource, Update, Import, Dependency, Restore, Remove, Rollback, QuickCheck, Recover, Lease,
        Failover, Switchover, Extend, Cluster, Configuration, Heartbeat, Quorum, Reconcile, Agent, Security,
    };
}

/// <summary>Every outcome the event history records and a step reports.</summary>
public static class EventOutcomes
{
    public const string Success = "success";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string Cancelled = "cancelled";
    /// <summary>Another node of this cluster won the record; this node stood down.</summary>
    public const string Lost = "lost";
    public const string Healthy = "healthy";
    public const string Unknown = "unknown";
    /// <summary>Credentials or permissions are wrong: alerts, never a failover.</summary>
    public const string Misconfigured = "misconfigured";
    public const string Repaired = "repaired";
    public const string Cleared = "cleared";
    public const string Requested = "requested";
    public const string Refused = "refused";
    public const string Started = "started";
    public const string Stopped = "stopped";

    public static readonly IReadOnlyList<string> All = new[]
    {
        Success, Failed, Skipped, Cancelled, Lost, Healthy, Unknown, Misconfigured, Repaired, Cleared, Requested, Refused, Started, Stopped,
        // the node agent's
        "deferred", "handover", "handed-over", "fence", "fenced", "standby", "stood-down", "joined", "left", "leaving", "gained", "restored",
        "rejected", "refusing", "answering", "updated", "settings", "warning", "error",
    };
}
