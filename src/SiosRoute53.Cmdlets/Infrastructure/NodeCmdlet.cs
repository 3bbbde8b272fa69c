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

    protected TunableSet LoadTunables() => TunableSet.Load(ResolvedTunablesPath);

    protected ResourceManager CreateManager()
    {
        string tunables = ResolvedTunablesPath;
        return new ResourceManager(new StateStore(ResolvedStateDirectory), new KitEnvironment { Route53 = KitEnvironment.DefaultRoute53 },
            () => TunableSet.Load(tunables));
    }

    /// <summary>Options for an engine operation: -Verbose narration and progress bars.</summary>
    protected OperationOptions Options(bool force = false) => new()
    {
        Force = force,
        Log = Verbose,
        Progress = new ImmediateProgress<OperationProgress>(ReportProgress),
    };

    private void ReportProgress(OperationProgress p)
    {
        var record = new ProgressRecord(ProgressActivityId, p.Activity, p.Status)
        {
            PercentComplete = Math.Clamp(p.PercentComplete, 0, 100),
            SecondsRemaining = p.Remaining is { } r ? (int)Math.Ceiling(r.TotalSeconds) : -1,
            CurrentOperation = p.Tag,
            RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        Progress(record);
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

    protected void CompleteProgress() =>
        Progress(new ProgressRecord(ProgressActivityId, "SiosRoute53", "Done") { RecordType = ProgressRecordType.Completed });

    protected override ErrorRecord ToErrorRecord(Exception exception) => ErrorFor(exception, null);

    /// <summary>The error record for an engine exception: stable id, right category.</summary>
    protected static ErrorRecord ErrorFor(Exception exception, object? target)
    {
        var (id, category) = exception switch
        {
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
