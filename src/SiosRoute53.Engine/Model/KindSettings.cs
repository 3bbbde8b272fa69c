using System.Net;
using SiosRoute53.Aws;

namespace SiosRoute53.Model;

/// <summary>Setting keys, one place for their spelling.</summary>
public static class SettingKeys
{
    public const string Address = "Address";
    public const string HostedZoneId = "HostedZoneId";
    public const string ZoneName = "ZoneName";
    public const string RecordName = "RecordName";
    public const string Ttl = "Ttl";
    public const string IpResource = "IpResource";
    public const string EndpointUrl = "EndpointUrl";
    public const string ProfileName = "ProfileName";
    public const string ProfileLocation = "ProfileLocation";
    public const string Region = "Region";
    public const string RoleArn = "RoleArn";
    public const string ExternalId = "ExternalId";
    public const string StartCommand = "StartCommand";
    public const string StopCommand = "StopCommand";
    public const string CheckCommand = "CheckCommand";
    public const string SystemdUnit = "SystemdUnit";
}

/// <summary>An ip resource's setting on one node: that node's own ENI address.</summary>
public sealed record IpSettings(IPAddress Address)
{
    public static IpSettings For(ResourceDefinition definition, string node)
    {
        string? text = definition.Setting(node, SettingKeys.Address);
        if (text is null || !IPAddress.TryParse(text, out var address))
            throw new DefinitionException($"ip resource '{definition.Tag}' has no address for node '{node}'. Extend it to that node with that node's own ENI address.");
        return new IpSettings(address);
    }

    /// <summary>The per-node settings dictionary these settings are stored as.</summary>
    public Dictionary<string, string> ToSettings() => new(StringComparer.Ordinal) { [SettingKeys.Address] = Address.ToString() };

    /// <summary>A new ip resource with this address on <paramref name="node"/>.</summary>
    public ResourceDefinition Define(string tag, string node, int priority = 1) => new()
    {
        Tag = tag,
        Kind = ResourceKind.Ip,
        Nodes = new(StringComparer.OrdinalIgnoreCase) { [node] = new NodeInstance { Priority = priority, Settings = ToSettings() } },
    };
}

public sealed record Route53Settings(string HostedZoneId, string ZoneName, string RecordName, long? Ttl, string IpResource, AwsAccessOptions Access)
{
    public static Route53Settings For(ResourceDefinition definition, string node)
    {
        string Required(string key) => definition.Setting(node, key)
            ?? throw new DefinitionException($"route53 resource '{definition.Tag}' has no {key}; recreate it with New-HaRoute53Resource.");
        string? ttl = definition.Setting(node, SettingKeys.Ttl);
        string? endpoint = definition.Setting(node, SettingKeys.EndpointUrl);
        return new Route53Settings(
            Required(SettingKeys.HostedZoneId),
            Required(SettingKeys.ZoneName),
            Required(SettingKeys.RecordName),
            ttl is null ? null : long.TryParse(ttl, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t
                : throw new DefinitionException($"route53 resource '{definition.Tag}' has TTL '{ttl}', which is not a number of seconds; recreate it with New-HaRoute53Resource."),
            Required(SettingKeys.IpResource),
            new AwsAccessOptions
            {
                EndpointUrl = string.IsNullOrEmpty(endpoint) ? null : new Uri(endpoint),
                ProfileName = definition.Setting(node, SettingKeys.ProfileName),
                ProfileLocation = definition.Setting(node, SettingKeys.ProfileLocation),
                Region = definition.Setting(node, SettingKeys.Region),
                RoleArn = definition.Setting(node, SettingKeys.RoleArn),
                ExternalId = definition.Setting(node, SettingKeys.ExternalId),
            });
    }

    /// <summary>The settings dictionary these settings are stored as (shared by all nodes); empty values are left out.</summary>
    public Dictionary<string, string> ToSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SettingKeys.HostedZoneId] = HostedZoneId,
            [SettingKeys.ZoneName] = ZoneName,
            [SettingKeys.RecordName] = RecordName,
            [SettingKeys.IpResource] = IpResource,
        };
        void Put(string key, string? value) { if (!string.IsNullOrEmpty(value)) settings[key] = value; }
        Put(SettingKeys.Ttl, Ttl?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Put(SettingKeys.EndpointUrl, Access.EndpointUrl?.ToString());
        Put(SettingKeys.ProfileName, Access.ProfileName);
        Put(SettingKeys.ProfileLocation, Access.ProfileLocation);
        Put(SettingKeys.Region, Access.Region);
        Put(SettingKeys.RoleArn, Access.RoleArn);
        Put(SettingKeys.ExternalId, Access.ExternalId);
        return settings;
    }

    /// <summary>A new route53 resource with these settings.</summary>
    public ResourceDefinition Define(string tag) => new() { Tag = tag, Kind = ResourceKind.Route53, Settings = ToSettings() };
}

/// <summary>A service resource's settings: a systemd unit, or start, stop and check commands (a command overrides the unit's).</summary>
public sealed record ServiceSettings(string? StartCommand, string? StopCommand, string? CheckCommand, string? SystemdUnit)
{
    public static ServiceSettings Unit(string unit) => new(null, null, null, unit);

    public static ServiceSettings Commands(string start, string stop, string check) => new(start, stop, check, null);

    /// <summary>The settings dictionary these settings are stored as; absent values are left out.</summary>
    public Dictionary<string, string> ToSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        void Put(string key, string? value) { if (!string.IsNullOrEmpty(value)) settings[key] = value; }
        Put(SettingKeys.StartCommand, StartCommand);
        Put(SettingKeys.StopCommand, StopCommand);
        Put(SettingKeys.CheckCommand, CheckCommand);
        Put(SettingKeys.SystemdUnit, SystemdUnit);
        return settings;
    }

    /// <summary>A new service resource with these settings.</summary>
    public ResourceDefinition Define(string tag) => new() { Tag = tag, Kind = ResourceKind.Service, Settings = ToSettings() };

    public static ServiceSettings For(ResourceDefinition definition, string node) => new(
        definition.Setting(node, SettingKeys.StartCommand),
        definition.Setting(node, SettingKeys.StopCommand),
        definition.Setting(node, SettingKeys.CheckCommand),
        definition.Setting(node, SettingKeys.SystemdUnit));
}
