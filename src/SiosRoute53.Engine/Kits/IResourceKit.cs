using SiosRoute53.Aws;
using SiosRoute53.Model;
using SiosRoute53.Platform;
using SiosRoute53.Route53;
using SiosRoute53.Tunables;

namespace SiosRoute53.Kits;

/// <summary>What a long step is doing, for progress bars: activity, status, how far, how long left.</summary>
public sealed record OperationProgress(string Tag, string Activity, string Status, int PercentComplete, TimeSpan? Remaining, bool Completed = false);

/// <summary>Builds a Route 53 client for a resource's access settings; one narrates its calls to <c>log</c>.</summary>
public delegate IRoute53Client Route53ClientFactory(AwsAccessOptions access, TunableSet tunables, Action<string>? log);

/// <summary>The node's facilities the kits use: Route 53, interfaces, commands, time. Tests substitute them.</summary>
public sealed record KitEnvironment
{
    public required Route53ClientFactory Route53 { get; init; }
    public INetworkInventory Network { get; init; } = new SystemNetworkInventory();
    public ICommandRunner Commands { get; init; } = new ShellCommandRunner();
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The production factory: credentials from the AWS chain, endpoint from the resource or ROUTE53_ENDPOINT_URL.</summary>
    public static IRoute53Client DefaultRoute53(AwsAccessOptions access, TunableSet tunables, Action<string>? log)
    {
        string endpoint = tunables.Text("ROUTE53_ENDPOINT_URL");
        if (access.EndpointUrl is null && endpoint.Length > 0) access = access with { EndpointUrl = new Uri(endpoint) };
        var options = Route53ClientOptions.From(access, log) with { RequestsPerSecond = tunables.Int("ROUTE53_REQUESTS_PER_SECOND") };
        return new Route53Client(AwsSdkCredentialSource.From(access), options);
    }
}

/// <summary>Everything one kit action needs about one resource on this node.</summary>
public sealed record KitContext
{
    public required ResourceDefinition Resource { get; init; }
    public required string NodeName { get; init; }
    public required string ClusterName { get; init; }
    public required TunableSet Tunables { get; init; }
    public required KitEnvironment Environment { get; init; }

    /// <summary>The resources this one depends on, by tag.</summary>
    public IReadOnlyDictionary<string, ResourceDefinition> Children { get; init; } = new Dictionary<string, ResourceDefinition>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adopt a record the cluster does not own (restore only).</summary>
    public bool Force { get; init; }

    public Action<string> Log { get; init; } = _ => { };
    public IProgress<OperationProgress>? Progress { get; init; }

    public string Tag => Resource.Tag;
}

/// <summary>Outcome of one action: what was done, and how many Route 53 calls it took.</summary>
public sealed record KitResult(string Message, int ApiCalls = 0);

public enum CheckOutcome
{
    /// <summary>The resource is as it should be.</summary>
    Healthy,
    /// <summary>The resource is broken: recovery starts.</summary>
    Failed,
    /// <summary>The check could not tell (a Route 53 outage): logged, never a failure.</summary>
    Unknown,
}

public sealed record CheckResult(CheckOutcome Outcome, string Message, int ApiCalls = 0);

/// <summary>An action failed; the message says what, with which values, and what to do.</summary>
public class ResourceActionException : Exception
{
    public ResourceActionException(string message, Exception? inner = null) : base(message, inner) { }
    public int ApiCalls { get; init; }
}

/// <summary>Another node of this cluster won the record; this node stands down.</summary>
public sealed class OwnershipLostException(string message) : ResourceActionException(message);

/// <summary>One kind of resource: its creation checks and LifeKeeper's four actions.</summary>
public interface IResourceKit
{
    ResourceKind Kind { get; }

    /// <summary>Checks a new or extended resource on this node; throws <see cref="ArgumentException"/> naming the bad value.</summary>
    Task ValidateAsync(KitContext context, CancellationToken cancellationToken);

    Task<KitResult> RestoreAsync(KitContext context, CancellationToken cancellationToken);

    Task<KitResult> RemoveAsync(KitContext context, CancellationToken cancellationToken);

    Task<CheckResult> QuickCheckAsync(KitContext context, CancellationToken cancellationToken);

    Task<KitResult> RecoverAsync(KitContext context, CancellationToken cancellationToken);
}

/// <summary>The results of checking many resources together, and the Route 53 calls the whole check made.</summary>
public sealed record BatchCheckResult(IReadOnlyDictionary<string, CheckResult> Results, int ApiCalls);

/// <summary>A kit that can check many resources at once more cheaply than one by one.</summary>
public interface IBatchCheckKit
{
    Task<BatchCheckResult> QuickCheckManyAsync(IReadOnlyList<KitContext> contexts, CancellationToken cancellationToken);
}
