using System.Text.Json.Serialization;
using SiosRoute53.Model;

namespace SiosRoute53.Cluster;

/// <summary>Message types between agents (and from cmdlets to agents).</summary>
public static class MessageTypes
{
    public const string Heartbeat = "heartbeat";
    public const string GetConfig = "getConfig";
    public const string ProposeConfig = "proposeConfig";
    public const string SettleConfig = "settleConfig";
    public const string Config = "config";
    public const string Join = "join";
    public const string PeerStatus = "peerStatus";
    public const string Restore = "restore";
    public const string Remove = "remove";
    public const string TakeOver = "takeover";
    public const string ValidateExtension = "validateExtension";
    public const string Status = "status";
    public const string Ok = "ok";
    public const string Error = "error";
}

/// <summary>What a node says about its claim on a hierarchy besides its state.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OwnershipClaim>))]
// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum OwnershipClaim : long
{
    None,
    /// <summary>It is bringing the hierarchy in service: the others know before the record moves.</summary>
    Restoring,
    /// <summary>It took the hierarchy out of service because it lost quorum: it comes back when quorum returns.</summary>
    Fenced,
    /// <summary>It took the hierarchy out of service because its agent is stopping cleanly: the next node by priority takes it over.</summary>
    Released,
}

/// <summary>
/// One resource's state on the reporting node, the generation of its ownership (grows with every new owner) and the
/// node's claim on it.
/// </summary>
public sealed record ResourceStateReport(string Tag, ResourceState State, long Generation = 0, OwnershipClaim Claim = OwnershipClaim.None)
{
    public bool InService => State is ResourceState.ISP or ResourceState.ISU;

    /// <summary>In service, or on its way: the node is, or is about to be, the owner.</summary>
    public bool Owns => InService || Claim == OwnershipClaim.Restoring;
}

/// <summary>
/// A node's heartbeat: its configuration revision and the states of its resources, as of <see cref="AsOf"/> (the
/// sender's clock, in ticks): a receiver keeps the newest report from each sender, whichever arrives last.
/// <see cref="Hears"/> lists the members the sender hears (what WITNESS_MODE=remote_verify asks);
/// <see cref="Leaving"/> says its agent is stopping cleanly, so the others shrink the expected votes instead of
/// counting it lost.
/// </summary>
public sealed record HeartbeatBody(string Node, long ConfigRevision, string ConfigAuthor, List<ResourceStateReport> Resources, bool Quorum, long AsOf = 0,
    List<string>? Hears = null, bool Leaving = false, int Version = HeartbeatBody.CurrentVersion)
{
    public const int CurrentVersion = 2;
}

/// <summary>The cluster-wide configuration: what every node must agree on.</summary>
public sealed record ClusterConfig(
    string ClusterName, long Revision, string Author, List<ClusterMember> Members, List<ResourceDefinition> Resources, List<Dependency> Dependencies)
{
    public static ClusterConfig Of(NodeState state) =>
        new(state.ClusterName, state.ConfigRevision, state.ConfigAuthor, state.Members, state.Resources, state.Dependencies);

    /// <summary>True when this committed configuration should replace <paramref name="state"/>'s: a higher revision (never the same one from another author: that is a conflict).</summary>
    public bool IsNewerThan(NodeState state) =>
        ConfigQuorum.Compare(state.ConfigRevision, state.ConfigAuthor, Revision, Author) == ConfigComparison.Adopt;
}

public sealed record JoinBody(string Name, List<string> Paths, MemberRole Role = MemberRole.Node);

public sealed record PeerStatusBody(string Peer);

public sealed record PeerStatusReply(bool Alive, double SecondsSinceHeard);

/// <summary>A request to restore or remove a hierarchy; <c>Tunables</c> are the requesting cmdlet's -Tunable, for this operation only.</summary>
public sealed record OperationBody(string Tag, bool Force, string? Reason, Dictionary<string, string>? Tunables = null);

public sealed record OperationReply(bool Succeeded, string Message, double Seconds, List<StepReply> Steps);

public sealed record StepReply(string Tag, string Action, string Outcome, string Message, double Seconds);

public sealed record ExtensionBody(List<ResourceDefinition> Resources, Dictionary<string, List<string>> Children);

public sealed record StatusReply(string Node, bool Quorum, List<PeerView> Peers, List<ResourceStateReport> Resources, long ConfigRevision, string? QuorumReason = null);

/// <summary>One member as a node's agent sees it; <see cref="Leaving"/>: its agent said it stopped cleanly.</summary>
public sealed record PeerView(string Name, MemberRole Role, bool Alive, double? SecondsSinceHeard, List<ResourceStateReport> Resources, bool Leaving = false);
