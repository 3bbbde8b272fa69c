using System.Net;
using SiosRoute53.Aws;
using SiosRoute53.Model;
using SiosRoute53.Platform;
using SiosRoute53.Route53;
using SiosRoute53.Tunables;

namespace SiosRoute53.Kits;

/// <summary>What a long step is doing, for progress bars: activity, status (the phase), how far, how long left.</summary>
public sealed record OperationProgress(string Tag, string Activity, string Status, int PercentComplete, TimeSpan? Remaining, bool Completed = false)
{
    /// <summary>How long the phase has run when reported; with <see cref="Budget"/>, a progress bar counts on between reports.</summary>
    public TimeSpan? Elapsed { get; init; }

    /// <summary>The most the phase may take (a tunable's interval × try count), when it has a budget.</summary>
    public TimeSpan? Budget { get; init; }

    /// <summary>What stopping now would leave behind that the operator must know (a change Route 53 has accepted).</summary>
    public string? LeftBehind { get; init; }
}

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
        var typed = tunables.Typed;
        if (access.EndpointUrl is null && typed.EndpointUrl.Length > 0) access = access with { EndpointUrl = new Uri(typed.EndpointUrl) };
        var options = Route53ClientOptions.From(access, log) with { RequestsPerSecond = typed.RequestsPerSecond };
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

    /// <summary>The kits of every kind, to ask a child's kit about it (e.g. for its address).</summary>
    public KitCatalog Kits { get; init; } = KitCatalog.Default;

    /// <summary>
    /// The address a child resource gives this node (an ip resource's ENI address): its kit must be an
    /// <see cref="IAddressSource"/>. Throws <see cref="ResourceActionException"/> naming the child when it cannot.
    /// </summary>
    public IPAddress AddressOfChild(string childTag)
    {
        if (!Children.TryGetValue(childTag, out var child))
            throw new ResourceActionException($"'{Tag}' takes its address from '{childTag}', which is not one of its children (any more). Recreate the dependency with Add-HaDependency {Tag} {childTag}.");
        if (Kits.For(child.Kind) is not IAddressSource source)
            throw new ResourceActionException($"'{Tag}' takes its address from '{childTag}', a {child.Kind} resource, which has no address. Give an ip resource.");
        return source.AddressOn(child, NodeName);
    }

    /// <summary>Adopt a record the cluster does not own (restore only).</summary>
    public bool Force { get; init; }

    /// <summary>
    /// Called by a kit's restore when all that remains is waiting (a submitted Route 53 change being followed to
    /// INSYNC): the resources that depend on this one may start their restore meanwhile. The restore still ends as
    /// usual, and the hierarchy is in service only when every restore has ended well.
    /// </summary>
    public Action? Submitted { get; init; }

    public Action<string> Log { get; init; } = _ => { };
    public IProgress<OperationProgress>? Progress { get; init; }

    public string Tag => Resource.Tag;
}

/// <summary>Outcome of one action: what was done, and how many Route 53 calls it took.</summary>
public sealed record KitResult(string Message, int ApiCalls = 0);

// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum CheckOutcome : long
{
    /// <summary>The resource is as it should be.</summary>
    Healthy,
    /// <summary>The resource is broken: recovery starts.</summary>
    Failed,
    /// <summary>The check could not tell (a Route 53 outage): logged, never a failure; the resource is ISU.</summary>
    Unknown,
    /// <summary>
    /// The check was refused for our credentials or permissions (a wrong or rotated secret, a missing profile, a
    /// denied action): it alerts until fixed, but like any API failure it is never a reason to recover or fail over.
    /// </summary>
    Misconfigured,
}

public sealed record CheckResult(CheckOutcome Outcome, string Message, int ApiCalls = 0);

/// <summary>An action failed; the message says what, with which values, and what to do.</summary>
public class ResourceActionException : HaException
{
    public ResourceActionException(string message, Exception? inner = null) : base(message, inner) { }
    public int ApiCalls { get; init; }
    public override string ErrorId => "ResourceActionFailed";
    public override HaErrorKind Kind => HaErrorKind.ActionFailed;
}

/// <summary>Another node of this cluster won the record; this node stands down.</summary>
public sealed class OwnershipLostException(string message) : ResourceActionException(message)
{
    public override string ErrorId => "RecordOwnedByAnotherNode";
    public override HaErrorKind Kind => HaErrorKind.OwnershipLost;
}

/// <summary>
/// One kind of resource, all of it: what it is, how its settings read, which children it needs, its creation checks
/// and LifeKeeper's four actions. A new kind is one kit (plus its cmdlet and help); nothing else names the kind.
/// </summary>
public interface IResourceKit
{
    ResourceKind Kind { get; }

    /// <summary>One line saying what the kind protects, for help and listings.</summary>
    string Description { get; }

    /// <summary>One line summing up a resource's settings on <paramref name="node"/>: the address, the record, the commands.</summary>
    string Summary(ResourceDefinition resource, string node);

    /// <summary>
    /// The resource's own settings on a node it is being extended to, from what the operator gave (by tag, or "*" for
    /// any); none by default. Throws <see cref="HaArgumentException"/> naming what is missing or wrong.
    /// </summary>
    Dictionary<string, string> ExtensionSettings(ResourceDefinition resource, string node, IReadOnlyDictionary<string, string> given) => new(StringComparer.Ordinal);

    /// <summary>The children the resource cannot work without on <paramref name="node"/> (their dependency cannot be removed).</summary>
    IReadOnlyList<string> RequiredChildren(ResourceDefinition resource, string node) => Array.Empty<string>();

    /// <summary>Checks a new or extended resource on this node; throws <see cref="HaArgumentException"/> naming the bad value.</summary>
    Task ValidateAsync(KitContext context, CancellationToken cancellationToken);

    Task<KitResult> RestoreAsync(KitContext context, CancellationToken cancellationToken);

    Task<KitResult> RemoveAsync(KitContext context, CancellationToken cancellationToken);

    Task<CheckResult> QuickCheckAsync(KitContext context, CancellationToken cancellationToken);

    Task<KitResult> RecoverAsync(KitContext context, CancellationToken cancellationToken);
}

/// <summary>A kind whose resources give a node an address another resource can publish (the route53 kit's source).</summary>
public interface IAddressSource
{
    /// <summary>The resource's address on <paramref name="node"/>; throws <see cref="DefinitionException"/> when it has none there.</summary>
    IPAddress AddressOn(ResourceDefinition resource, string node);
}

/// <summary>
/// A kind whose healthy check means something outside this node points clients here (a DNS record). Its resources are
/// checked out of service too: one that checks healthy while out of service sends clients to a node that does not
/// serve them (a start that failed or was killed after the record moved).
/// </summary>
public interface IPublishingKit;

/// <summary>The kit of every kind, looked up by kind.</summary>
public sealed class KitCatalog
{
    private readonly IReadOnlyDictionary<ResourceKind, IResourceKit> _kits;

    public KitCatalog(IEnumerable<IResourceKit> kits) => _kits = kits.ToDictionary(k => k.Kind);

    public static KitCatalog Default { get; } = new(new IResourceKit[] { new IpKit(), new Route53Kit(), new ServiceKit() });

    public IResourceKit For(ResourceKind kind) =>
        _kits.TryGetValue(kind, out var kit) ? kit : throw new DefinitionException($"No kit handles resources of kind '{kind}' in this version of SiosRoute53; update the module on this node.");

    public IEnumerable<IResourceKit> All => _kits.Values;
}

/// <summary>The results of checking many resources together, and the Route 53 calls the whole check made.</summary>
public sealed record BatchCheckResult(IReadOnlyDictionary<string, CheckResult> Results, int ApiCalls);

/// <summary>A kit that can check many resources at once more cheaply than one by one.</summary>
public interface IBatchCheckKit
{
    Task<BatchCheckResult> QuickCheckManyAsync(IReadOnlyList<KitContext> contexts, CancellationToken cancellationToken);
}
