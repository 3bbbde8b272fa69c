using System.Management.Automation;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cmdlets.Infrastructure;

/// <summary>
/// Cmdlets that work with this node's store and tunables. -StateDirectory and -TunablesPath default to
/// $env:SIOSR53_STATE_DIR / /var/lib/siosroute53 and $env:SIOSR53_TUNABLES / /etc/default/SiosRoute53.
/// </summary>
public abstract class NodeCmdlet : AsyncCmdlet
{
    protected const int ProgressActivityId = 5353;

    /// <summary>The node's state directory.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StateDirectory { get; set; }

    /// <summary>The KEY=VALUE tunables file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TunablesPath { get; set; }

    protected string ResolvedStateDirectory =>
        SessionState.Path.GetUnresolvedProviderPathFromPSPath(StateStore.ResolveDirectory(StateDirectory));

    protected string ResolvedTunablesPath =>
        SessionState.Path.GetUnresolvedProviderPathFromPSPath(TunableSet.ResolvePath(TunablesPath));

    /// <summary>Tunables for this call only, over the file (a cmdlet's -Tunable); null for none.</summary>
    protected virtual IReadOnlyDictionary<string, string>? TunableOverrides => null;

    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    /// <summary>The tunables file under this call's overrides; each of the file's warnings is written once per call.</summary>
    protected TunableSet LoadTunables() => Warned(TunableSet.Load(ResolvedTunablesPath, TunableOverrides));

    /// <summary>A loader of the tunables for the engine: the file is read anew at each operation, with this call's overrides.</summary>
    protected Func<TunableSet> TunablesLoader()
    {
        string path = ResolvedTunablesPath;
        var overrides = TunableOverrides; // checked now: a bad key fails before anything runs
        return () => Warned(TunableSet.Load(path, overrides));
    }

    private TunableSet Warned(TunableSet set)
    {
        foreach (var w in set.Warnings)
            lock (_warned)
                if (_warned.Add(w.Message)) Warn(w.Message);
        return set;
    }

    protected ResourceManager CreateManager() =>
        new(new StateStore(ResolvedStateDirectory), new KitEnvironment { Route53 = KitEnvironment.DefaultRoute53 }, TunablesLoader());

    /// <summary>Options for an engine operation: -Verbose narration and progress bars.</summary>
    protected OperationOptions Options(bool adopt = false) => new()
    {
        Force = adopt,
        Log = Verbose,
        Progress = new ImmediateProgress<OperationProgress>(ReportProgress),
    };

    private readonly object _progressGate = new();
    private (OperationProgress Report, long At)? _lastProgress;
    private OperationProgress? _lastLeftBehind;
    private Timer? _progressTicker;

    /// <summary>
    /// Shows a report at once, then counts its elapsed time on every second until the next one (Route 53 may not be
    /// asked for a while), against the phase's budget when it has one.
    /// </summary>
    private void ReportProgress(OperationProgress p)
    {
        lock (_progressGate)
        {
            _lastProgress = p.Completed ? null : (p, TimeProvider.System.GetTimestamp());
            if (p.LeftBehind is not null) _lastLeftBehind = p;
            if (!p.Completed) _progressTicker ??= new Timer(_ => TickProgress(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
        Progress(ProgressRecordOf(p, TimeSpan.Zero));
    }

    private void TickProgress()
    {
        lock (_progressGate) // in the lock, so no count is queued after CompleteProgress
        {
            if (_lastProgress is not { } last || last.Report.Elapsed is null) return;
            var record = ProgressRecordOf(last.Report, TimeProvider.System.GetElapsedTime(last.At));
            PostWhileRunning(() => WriteProgress(record));
        }
    }

    private static ProgressRecord ProgressRecordOf(OperationProgress p, TimeSpan since)
    {
        string status = p.Status;
        int percent = -1, remaining = -1;
        if (p.Elapsed is { } reported)
        {
            var elapsed = reported + since;
            if (p.Budget is { } budget && budget > TimeSpan.Zero)
            {
                status += $", {elapsed.TotalSeconds:0} s of {budget.TotalSeconds:0} s";
                percent = (int)Math.Clamp(100 * elapsed / budget, 0, 99);
                remaining = (int)Math.Max(0, Math.Ceiling((budget - elapsed).TotalSeconds));
            }
            else status += $", {elapsed.TotalSeconds:0} s";
        }
        return new ProgressRecord(ProgressActivityId, p.Activity, status)
        {
            PercentComplete = p.Completed ? 100 : percent,
            SecondsRemaining = remaining,
            CurrentOperation = p.Tag,
            RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
    }

    protected override string? WhatWasLeftBehind()
    {
        OperationProgress? last, left;
        lock (_progressGate) (last, left) = (_lastProgress?.Report, _lastLeftBehind);
        if (last is null && left is null) return null;
        string at = last is null ? "" : $" during: {last.Activity} ({last.Status})";
        return $"{MyInvocation.MyCommand.Name} was stopped{at}. " + (left?.LeftBehind is { } l ? l + " " : "") + AfterStop;
    }

    /// <summary>What to do after Ctrl+C stopped this command (see <see cref="WhatWasLeftBehind"/>).</summary>
    protected virtual string AfterStop => "Get-HaResource shows what is in service and Get-HaEvent -Newest 10 what happened.";

    protected override void Dispose(bool disposing)
    {
        lock (_progressGate)
        {
            _progressTicker?.Dispose();
            _progressTicker = null;
        }
    }

    /// <summary>
    /// Calls back on the reporting thread at once (System.Progress would post to the thread pool, and a record
    /// could arrive after the command has finished writing).
    /// </summary>
    private sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>
    /// ShouldProcess where -Force skips the confirmation prompt (as ConfirmImpact.High cmdlets do) but -WhatIf and
    /// an explicit -Confirm still win.
    /// </summary>
    protected bool ShouldProcessUnlessForced(string target, string action, bool force)
    {
        bool whatIf = (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) && ((SwitchParameter)w).IsPresent)
                      || SessionState.PSVariable.GetValue("WhatIfPreference") is SwitchParameter { IsPresent: true } or true;
        if (force && !whatIf && !MyInvocation.BoundParameters.ContainsKey("Confirm")) return true;
        return ShouldProcess(target, action);
    }

    /// <summary>
    /// The tags of resource objects that describe this node. An object another node reported (Get-HaResource
    /// -AllNodes) is refused with ResourceOnOtherNode and nothing is done for it: these commands act on this node only.
    /// </summary>
    protected IEnumerable<string> TagsOnThisNode(IEnumerable<HaResource> resources, string thisNode)
    {
        foreach (var r in resources)
        {
            if (r.Node.Equals(thisNode, StringComparison.OrdinalIgnoreCase))
            {
                yield return r.Tag;
                continue;
            }
            string command = MyInvocation.MyCommand.Name;
            EmitError(new ErrorRecord(new HaArgumentException(
                $"This '{r.Tag}' is node '{r.Node}''s (as Get-HaResource -AllNodes reports it), but this is node '{thisNode}' and {command} acts on " +
                $"this node only; nothing was done for it. Run {command} on '{r.Node}', or move a hierarchy between nodes with Invoke-Switchover.", r.Tag),
                "ResourceOnOtherNode", ErrorCategory.InvalidArgument, r));
        }
    }

    protected void CompleteProgress()
    {
        lock (_progressGate) (_lastProgress, _lastLeftBehind) = (null, null);
        Progress(new ProgressRecord(ProgressActivityId, "SiosRoute53", "Done") { RecordType = ProgressRecordType.Completed });
    }

    protected override ErrorRecord ToErrorRecord(Exception exception) => ErrorFor(exception, null);

    /// <summary>The error record for an engine exception: stable id, right category.</summary>
    protected static ErrorRecord ErrorFor(Exception exception, object? target)
    {
        var (id, category) = exception switch
        {
            StoreException { ErrorId: StoreException.NotFound } e => (e.ErrorId, ErrorCategory.ObjectNotFound),
            StoreException { ErrorId: StoreException.NotWritable } e => (e.ErrorId, ErrorCategory.WriteError),
            HaException e => (e.ErrorId, e.Kind switch
            {
                HaErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
                HaErrorKind.NotFound => ErrorCategory.ObjectNotFound,
                HaErrorKind.Busy => ErrorCategory.ResourceBusy,
                HaErrorKind.StoreUnusable => ErrorCategory.ReadError,
                HaErrorKind.ConfigurationInvalid => ErrorCategory.InvalidData,
                HaErrorKind.OwnershipLost => ErrorCategory.ResourceExists,
                HaErrorKind.ActionFailed => ErrorCategory.InvalidResult,
                HaErrorKind.QuorumMissing => ErrorCategory.ConnectionError,
                _ => ErrorCategory.NotSpecified,
            }),
            SiosRoute53.Cluster.PeerRequestException => ("PeerUnreachable", ErrorCategory.ConnectionError),
            NoSuchHostedZoneException => ("HostedZoneNotFound", ErrorCategory.ObjectNotFound),
            NoSuchChangeException => ("ChangeNotFound", ErrorCategory.ObjectNotFound),
            InvalidChangeBatchException => ("InvalidChangeBatch", ErrorCategory.InvalidData),
            InvalidInputException => ("InvalidInput", ErrorCategory.InvalidArgument),
            AccessDeniedException => ("AccessDenied", ErrorCategory.PermissionDenied),
            SignatureDoesNotMatchException => ("SignatureDoesNotMatch", ErrorCategory.SecurityError),
            ThrottlingException or PriorRequestNotCompleteException => ("Route53Busy", ErrorCategory.LimitsExceeded),
            Route53TransportException { Code: "Timeout" } => ("Route53Timeout", ErrorCategory.OperationTimeout),
            Route53TransportException => ("Route53Unreachable", ErrorCategory.ConnectionError),
            Route53ServerErrorException => ("Route53ServerError", ErrorCategory.ResourceUnavailable),
            Route53Exception => ("Route53Error", ErrorCategory.NotSpecified),
            Aws.AwsConfigurationException => ("AwsCredentials", ErrorCategory.AuthenticationError),
            ArgumentException => ("InvalidArgument", ErrorCategory.InvalidArgument),
            UnauthorizedAccessException => ("PermissionDenied", ErrorCategory.PermissionDenied),
            _ => ("UnexpectedError", ErrorCategory.NotSpecified),
        };
        return new ErrorRecord(exception, id, category, target);
    }

    /// <summary>
    /// True for the engine exceptions a cmdlet reports per item instead of stopping. A real bug
    /// (InvalidOperationException and the like) is not: it stops the command as UnexpectedError.
    /// </summary>
    protected static bool IsReportable(Exception e) =>
        e is HaException or ArgumentException or Route53Exception or SiosRoute53.Cluster.PeerRequestException or Aws.AwsConfigurationException or UnauthorizedAccessException;
}
