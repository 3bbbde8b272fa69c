using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Kits;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>
/// quickChecks in-service resources (route53 ones zone by zone), with -Recover runs local recovery. For schedulers:
/// each failure not recovered is also a non-terminating error (ResourceCheckFailed), -Quiet returns one Boolean and
/// -AsExitCode one exit code (0 healthy, 1 failed, 3 could not judge).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "HaResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(HaCheckResult), typeof(bool), typeof(int))]
public sealed class TestHaResourceCommand : OperationCmdlet
{
    private const string TagSet = "Tag", InputObjectSet = "InputObject";

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TagSet)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string[] Tag { get; set; } = Array.Empty<string>();

    /// <summary>Resources from Get-HaResource; one that another node reported is refused, never checked here.</summary>
    /// <remarks>
    /// Its set is the default, so that a piped HaResource binds here before its Tag property binds -Tag; not mandatory,
    /// so that Test-HaResource alone still checks everything in service.
    /// </remarks>
    [Parameter(ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public HaResource[] InputObject { get; set; } = Array.Empty<HaResource>();

    [Parameter]
    public SwitchParameter Recover { get; set; }

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Return one number for a scheduler: 0 healthy, 1 failed (alert), 3 could not judge.</summary>
    [Parameter]
    public SwitchParameter AsExitCode { get; set; }

    protected override string AfterStop =>
        "A recovery that was stopped leaves its resource OSF with the reason: run Test-HaResource -Recover again, or Start-HaResource on its hierarchy. " +
        "Get-HaEvent -Newest 10 shows what happened.";

    private readonly List<string> _tags = new();

    private bool _refused;

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == TagSet)
        {
            _tags.AddRange(Tag);
            return Task.CompletedTask;
        }
        if (InputObject.Length == 0) return Task.CompletedTask;
        int before = _tags.Count;
        _tags.AddRange(TagsOnThisNode(InputObject, new Store.StateStore(ResolvedStateDirectory).Read().NodeName));
        _refused |= _tags.Count - before < InputObject.Length;
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        // Only objects from other nodes came: checking "everything here" instead would answer another question.
        if (_refused && _tags.Count == 0)
        {
            if (Quiet) Emit(false);
            if (AsExitCode) Emit(HealthExitCodes.Failed);
            return;
        }
        var manager = CreateManager();
        bool recover = Recover && await OnPipelineThread(() => ShouldProcess("resources whose quickCheck fails", "Recover"));
        IReadOnlyList<HaCheckResult> results;
        try
        {
            results = await manager.CheckAsync(_tags.Count == 0 ? null : _tags, recover, Options(), cancellationToken);
        }
        catch (Exception e) when (IsReportable(e))
        {
            if (Quiet) Emit(false);
            if (AsExitCode) Emit(HealthExitCodes.Of(e));
            EmitError(ErrorFor(e, null));
            return;
        }
        if (results.Count == 0) Verbose("No resource is in service on this node; nothing to check.");
        else Verbose($"Checked {results.Count} resource(s) with {results[0].CycleApiCalls} Route 53 API call(s).");
        foreach (var r in results)
        {
            if (r.Outcome == CheckOutcome.Unknown) Warn($"{r.Tag}: {r.Message}");
            if (r.Repair is { } repair) Verbose($"{r.Tag}: repaired: {repair}");
            if (r.NeedsAttention)
                EmitError(new ErrorRecord(new ResourceActionFailedException($"{r.Tag}: {r.Message}"), "ResourceCheckFailed", ErrorCategory.InvalidResult, r.Tag));
            if (!Quiet && !AsExitCode) Emit(r);
        }
        if (Quiet) Emit(results.All(r => !r.NeedsAttention));
        if (AsExitCode) Emit(HealthExitCodes.Of(results));
    }
}
