using System.Globalization;
using System.Net;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Tunables;

namespace SiosRoute53.Ocf;

/// <summary>
/// The one place that turns the agent's parameters into what the route53 kit acts on: a route53 resource and the ip
/// resource it depends on, holding this node's address. Pacemaker owns the hierarchy, so nothing is stored.
/// </summary>
public static class KitBridge
{
    public static KitContext Context(AgentSettings settings, string tag, string node, string cluster, IPAddress address, string? zoneName,
        TunableSet tunables, KitEnvironment environment, Action<string> log) =>
        new()
        {
            Resource = Route53Resource(settings, tag, zoneName),
            Children = new Dictionary<string, ResourceDefinition>(StringComparer.OrdinalIgnoreCase) { [IpTag(tag)] = IpResource(tag, address) },
            NodeName = node,
            ClusterName = cluster,
            Tunables = tunables,
            Environment = environment,
            Force = settings.Adopt,
            Log = log,
        };

    private static string IpTag(string tag) => tag + "-ip";

    private static ResourceDefinition IpResource(string tag, IPAddress address) => new()
    {
        Tag = IpTag(tag),
        Kind = ResourceKind.Ip,
        Settings = new(StringComparer.Ordinal) { [SettingKeys.Address] = address.ToString() },
    };

    private static ResourceDefinition Route53Resource(AgentSettings s, string tag, string? zoneName)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SettingKeys.HostedZoneId] = s.HostedZoneId,
            // The zone's name only words the kit's validation messages; start and monitor do not look it up.
            [SettingKeys.ZoneName] = zoneName ?? "",
            [SettingKeys.RecordName] = s.RecordName,
            [SettingKeys.Ttl] = s.Ttl.ToString(CultureInfo.InvariantCulture),
            [SettingKeys.IpResource] = IpTag(tag),
        };
        void Put(string key, string? value) { if (!string.IsNullOrEmpty(value)) settings[key] = value; }
        Put(SettingKeys.EndpointUrl, s.Access.EndpointUrl?.ToString());
        Put(SettingKeys.ProfileName, s.Access.ProfileName);
        Put(SettingKeys.Region, s.Access.Region);
        Put(SettingKeys.RoleArn, s.Access.RoleArn);
        Put(SettingKeys.ExternalId, s.Access.ExternalId);
        return new ResourceDefinition { Tag = tag, Kind = ResourceKind.Route53, Settings = settings };
    }
}
