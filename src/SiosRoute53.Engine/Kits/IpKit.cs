using System.Net;
using SiosRoute53.Model;

namespace SiosRoute53.Kits;

/// <summary>
/// The "real IP" resource: this node's own ENI address. It never adds or removes addresses; restore and
/// quickCheck verify the address is configured on an interface that is up with a link.
/// </summary>
public sealed class IpKit : IResourceKit, IAddressSource
{
    public ResourceKind Kind => ResourceKind.Ip;

    public string Description => "This node's own ENI private IPv4 address (a \"real IP\": each node has its own, nothing moves).";

    public string Summary(ResourceDefinition resource, string node) => resource.Setting(node, SettingKeys.Address) ?? "(no address on this node)";

    public IPAddress AddressOn(ResourceDefinition resource, string node) => IpSettings.For(resource, node).Address;

    /// <summary>Each node has its own ENI address: the operator gives it for this resource (or "*").</summary>
    public Dictionary<string, string> ExtensionSettings(ResourceDefinition resource, string node, IReadOnlyDictionary<string, string> given)
    {
        if (!given.TryGetValue(resource.Tag, out var text) && !given.TryGetValue("*", out text))
            throw new HaArgumentException($"ip resource '{resource.Tag}' needs '{node}''s own ENI address: give -Address (or -IpAddress @{{ '{resource.Tag}' = '<address>' }}).", resource.Tag);
        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new HaArgumentException($"'{text}' is not an IPv4 address.", text);
        return new IpSettings(address).ToSettings();
    }

    public Task ValidateAsync(KitContext context, CancellationToken cancellationToken)
    {
        var address = IpSettings.For(context.Resource, context.NodeName).Address;
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new HaArgumentException($"Address '{address}' is not IPv4; a Route 53 A record needs the node's IPv4 ENI address.", address.ToString());
        var found = Find(context, address);
        if (found is null)
            throw new HaArgumentException(
                $"Address {address} is not configured on any interface of node '{context.NodeName}' ({Known(context)}). " +
                "Give this node's own ENI private IP (see 'ip -4 addr').", address.ToString());
        return Task.CompletedTask;
    }

    public Task<KitResult> RestoreAsync(KitContext context, CancellationToken cancellationToken)
    {
        var address = IpSettings.For(context.Resource, context.NodeName).Address;
        var found = Find(context, address)
            ?? throw new ResourceActionException($"Address {address} is no longer configured on node '{context.NodeName}' ({Known(context)}). Configure it on the ENI, then start the resource again.");
        if (!found.AdministrativelyUp || !found.LinkUp)
            throw new ResourceActionException($"Address {address} is on interface {found.Interface}, which is {(found.AdministrativelyUp ? "up without a link" : "down")}. Bring the interface up.");
        return Task.FromResult(new KitResult($"{address} is configured on {found.Interface}, which is up."));
    }

    public Task<KitResult> RemoveAsync(KitContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new KitResult("Nothing to undo: the node keeps its own address."));

    public Task<CheckResult> QuickCheckAsync(KitContext context, CancellationToken cancellationToken)
    {
        var address = IpSettings.For(context.Resource, context.NodeName).Address;
        var found = Find(context, address);
        var result = found switch
        {
            null => new CheckResult(CheckOutcome.Failed, $"{address} is not configured on any interface."),
            { AdministrativelyUp: false } => new CheckResult(CheckOutcome.Failed, $"{address} is on {found.Interface}, which is down."),
            { LinkUp: false } => new CheckResult(CheckOutcome.Failed, $"{address} is on {found.Interface}, which has no link."),
            _ => new CheckResult(CheckOutcome.Healthy, $"{address} is on {found.Interface}, up."),
        };
        return Task.FromResult(result);
    }

    public async Task<KitResult> RecoverAsync(KitContext context, CancellationToken cancellationToken)
    {
        var check = await QuickCheckAsync(context, cancellationToken);
        if (check.Outcome != CheckOutcome.Healthy)
            throw new ResourceActionException($"Cannot recover: {check.Message} The address is the node's own; fix the interface.");
        return new KitResult("The address is back: " + check.Message);
    }

    private static Platform.InterfaceAddress? Find(KitContext context, IPAddress address) =>
        context.Environment.Network.Addresses().FirstOrDefault(a => a.Address.Equals(address));

    private static string Known(KitContext context)
    {
        var v4 = context.Environment.Network.Addresses()
            .Where(a => a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            .Select(a => $"{a.Address} on {a.Interface}").ToList();
        return v4.Count == 0 ? "it has no IPv4 address" : "it has " + string.Join(", ", v4);
    }
}
