using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Route53;
using SiosRoute53.Tunables;

namespace SiosRoute53.Ocf;

/// <summary>An exit code and the rule that chose it, for the log line and for Pacemaker's exit reason.</summary>
public sealed record OcfDecision(OcfExitCode ExitCode, string Rule, string Message);

/// <summary>What the record looked like to a monitor.</summary>
public enum RecordView
{
    /// <summary>The record holds this node's address and the ownership mark names this node.</summary>
    Ours,
    /// <summary>The record holds another address, none, or a mark naming another node or cluster.</summary>
    Elsewhere,
    /// <summary>Route 53 could not be read (outage, throttling, timeout).</summary>
    Unreadable,
    /// <summary>Route 53 refused us: credentials, permissions, or the zone does not exist.</summary>
    Refused,
}

/// <summary>
/// The agent's decisions, from outcome to OCF exit code. Pure: no I/O, tested table by table.
/// </summary>
public static class OcfDecisions
{
    /// <summary>
    /// monitor: running only when this node started the resource (its local state says so) and the record holds this
    /// node's address with this node's mark. A probe that finds anything else says "not running"; a recurring monitor
    /// that finds the record elsewhere is a failure. Route 53 being unreadable is never a failure: the record was
    /// last seen right, and an outage must not move the service.
    /// <para>
    /// Route 53 refusing this node (credentials rotated or expired, a permission taken away) is not a monitor failure
    /// either, and never OCF_ERR_CONFIGURED: Pacemaker treats 6 from a monitor as fatal and stops the resource, with
    /// the service grouped with it, on every node; a soft failure (1) would restart it here, and that start would be
    /// refused the same way. A refusal says nothing about where the record points, so the service keeps running, the
    /// monitor logs an ERROR every interval until the credentials are fixed, and the record is judged again as soon as
    /// Route 53 answers. A start or validate-all that is refused still fails as a configuration error: nothing runs
    /// there yet, and the operator must act.
    /// </para>
    /// </summary>
    public static OcfDecision Monitor(bool startedHere, bool probe, RecordView view, string detail)
    {
        if (!startedHere)
            return new(OcfExitCode.NotRunning, "not-started-here", "The resource is not started on this node.");
        return (view, probe) switch
        {
            (RecordView.Ours, _) => new(OcfExitCode.Success, "record-ours", detail),
            (RecordView.Refused, true) => new(OcfExitCode.NotRunning, "probe-route53-refused", $"Route 53 refused this node's credentials or permissions, so the record could not be confirmed: {detail}"),
            (RecordView.Refused, false) => new(OcfExitCode.Success, "route53-refused-not-a-failure",
                $"Route 53 refused this node's credentials or permissions; the record is not judged and the service is left running, but a start on this node would fail until they are fixed: {detail}"),
            (RecordView.Elsewhere, true) => new(OcfExitCode.NotRunning, "probe-record-elsewhere", detail),
            (RecordView.Elsewhere, false) => new(OcfExitCode.ErrGeneric, "record-elsewhere", detail),
            // A probe must not claim the resource without seeing the record: "not running" lets Pacemaker start it
            // where it belongs, and that start's compare-and-swap settles who owns the record.
            (RecordView.Unreadable, true) => new(OcfExitCode.NotRunning, "probe-route53-unreadable", $"Route 53 could not be read, so the record could not be confirmed: {detail}"),
            (RecordView.Unreadable, false) => new(OcfExitCode.Success, "route53-unreadable-not-a-failure",
                $"Route 53 could not be read; the record is not judged and this is not a failure: {detail}"),
            _ => throw new InvalidOperationException($"Unknown record view {view}."),
        };
    }

    /// <summary>start: success only when the kit restored the record (written, INSYNC, read back as ours).</summary>
    public static OcfDecision Start(Exception? failure, string detail) => failure switch
    {
        null => new(OcfExitCode.Success, "record-ours-insync", detail),
        AgentParameterException p => new(p.ExitCode, "bad-parameter", p.Message),
        TunablesFileException => new(OcfExitCode.ErrConfigured, "bad-tunables", failure.Message),
        MetadataUnavailableException => new(OcfExitCode.ErrGeneric, "metadata-unavailable", failure.Message),
        _ when IsRefusal(failure) => new(OcfExitCode.ErrConfigured, "aws-refused", Message(failure)),
        OwnershipLostException => new(OcfExitCode.ErrGeneric, "another-node-won", failure.Message),
        OperationCanceledException => new(OcfExitCode.ErrGeneric, "timeout", "The start ran out of its Pacemaker timeout before the record was confirmed; nothing is claimed."),
        _ => new(OcfExitCode.ErrGeneric, "record-not-confirmed",
            Message(failure) + (failure.Message.Contains("-Adopt", StringComparison.Ordinal) ? " Under Pacemaker: set the resource's parameter adopt=true to take the record over." : "")),
    };

    /// <summary>
    /// Credentials that do not resolve or that Route 53 rejects, missing permissions, a zone that does not exist:
    /// fixing them takes an operator, so they are configuration errors, not something a retry or a move can fix.
    /// </summary>
    public static bool IsRefusal(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is AwsConfigurationException or AccessDeniedException or SignatureDoesNotMatchException or NoSuchHostedZoneException)
                return true;
        return false;
    }

    /// <summary>The outermost message, plus the innermost when it says more (the AWS error under a kit's summary).</summary>
    public static string Message(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return ReferenceEquals(inner, e) || e.Message.Contains(inner.Message, StringComparison.Ordinal) ? e.Message : $"{e.Message} ({inner.Message})";
    }
}
