using System.Net;
using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Ocf;
using SiosRoute53.Route53;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Ocf;

/// <summary>The agent's exit codes, outcome by outcome (OCF 1.1: 0 running, 1 failed, 6 misconfigured, 7 not running).</summary>
public class OcfDecisionTests
{
    public static TheoryData<bool, bool, RecordView, OcfExitCode> MonitorTable => new()
    {
        // started here, probe, what the record looked like → exit code
        { false, true, RecordView.Ours, OcfExitCode.NotRunning },
        { false, false, RecordView.Ours, OcfExitCode.NotRunning },
        { false, false, RecordView.Unreadable, OcfExitCode.NotRunning },
        { true, true, RecordView.Ours, OcfExitCode.Success },
        { true, false, RecordView.Ours, OcfExitCode.Success },
        { true, true, RecordView.Elsewhere, OcfExitCode.NotRunning },
        { true, false, RecordView.Elsewhere, OcfExitCode.ErrGeneric },
        { true, true, RecordView.Unreadable, OcfExitCode.NotRunning },
        { true, false, RecordView.Unreadable, OcfExitCode.Success },
        { true, true, RecordView.Refused, OcfExitCode.NotRunning },
        { true, false, RecordView.Refused, OcfExitCode.Success },
    };

    [Theory]
    [MemberData(nameof(MonitorTable))]
    public void Monitor_maps_each_outcome_to_its_OCF_exit_code(bool startedHere, bool probe, RecordView view, OcfExitCode expected) =>
        Assert.Equal(expected, OcfDecisions.Monitor(startedHere, probe, view, "detail").ExitCode);

    [Fact]
    public void A_recurring_monitor_during_a_Route53_outage_succeeds_and_says_the_record_was_not_judged()
    {
        var d = OcfDecisions.Monitor(true, false, RecordView.Unreadable, "Throttling");
        Assert.Equal(OcfExitCode.Success, d.ExitCode);
        Assert.Equal("route53-unreadable-not-a-failure", d.Rule);
        Assert.Contains("not a failure", d.Message);
    }

    [Fact]
    public void A_recurring_monitor_refused_by_Route53_keeps_the_service_running_and_says_a_start_here_would_fail()
    {
        // OCF_ERR_CONFIGURED from a monitor is fatal to Pacemaker: the group would be stopped on every node.
        var d = OcfDecisions.Monitor(true, false, RecordView.Refused, "SignatureDoesNotMatch");
        Assert.Equal(OcfExitCode.Success, d.ExitCode);
        Assert.Equal("route53-refused-not-a-failure", d.Rule);
        Assert.Contains("start on this node would fail", d.Message);
        Assert.Contains("SignatureDoesNotMatch", d.Message);
    }

    public static TheoryData<Exception, OcfExitCode, string> StartTable => new()
    {
        { new ResourceActionException("Could not update app.corp.example.: Throttling", new ThrottlingException("ChangeResourceRecordSets", "Throttling", "Rate exceeded", null, HttpStatusCode.BadRequest)), OcfExitCode.ErrGeneric, "record-not-confirmed" },
        { new ResourceActionException("Could not update", new Route53TransportException("ListResourceRecordSets", "Transport", "Connection refused", null)), OcfExitCode.ErrGeneric, "record-not-confirmed" },
        { new ResourceActionException("Could not update", new AccessDeniedException("ChangeResourceRecordSets", "AccessDenied", "not authorized", null, HttpStatusCode.Forbidden)), OcfExitCode.ErrConfigured, "aws-refused" },
        { new SignatureDoesNotMatchException("ListResourceRecordSets", "SignatureDoesNotMatch", "bad secret", null, HttpStatusCode.Forbidden), OcfExitCode.ErrConfigured, "aws-refused" },
        { new AwsConfigurationException("No AWS credentials could be resolved"), OcfExitCode.ErrConfigured, "aws-refused" },
        { new NoSuchHostedZoneException("ListResourceRecordSets", "No hosted zone found", null, HttpStatusCode.NotFound), OcfExitCode.ErrConfigured, "aws-refused" },
        { new OwnershipLostException("node2 won"), OcfExitCode.ErrGeneric, "another-node-won" },
        { new OperationCanceledException(), OcfExitCode.ErrGeneric, "timeout" },
        { new AgentParameterException("no address for node n5", OcfExitCode.ErrArgs), OcfExitCode.ErrArgs, "bad-parameter" },
        { new AgentParameterException("fullname is required"), OcfExitCode.ErrConfigured, "bad-parameter" },
        { new TunablesFileException("/etc/default/SiosRoute53", 3, "ROUTE53_TTL", "bad"), OcfExitCode.ErrConfigured, "bad-tunables" },
        { new MetadataUnavailableException("no answer"), OcfExitCode.ErrGeneric, "metadata-unavailable" },
        { new InvalidOperationException("a bug"), OcfExitCode.ErrGeneric, "record-not-confirmed" },
    };

    [Theory]
    [MemberData(nameof(StartTable))]
    public void Start_fails_with_the_exit_code_of_its_cause_and_never_succeeds_on_a_failure(Exception failure, OcfExitCode expected, string rule)
    {
        var d = OcfDecisions.Start(failure, "");
        Assert.Equal(expected, d.ExitCode);
        Assert.Equal(rule, d.Rule);
        Assert.NotEqual(OcfExitCode.Success, d.ExitCode);
    }

    [Fact]
    public void A_refused_start_tells_the_Pacemaker_user_to_set_adopt_rather_than_a_cmdlet_switch()
    {
        var d = OcfDecisions.Start(new ResourceActionException("app.corp.example. holds 10.9.9.9 and no SiosRoute53 cluster owns it; nothing was changed. Start it with Start-HaResource -Adopt to take the record over, or delete it first."), "");
        Assert.Contains("adopt=true", d.Message);
    }
}
