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

public sealed record IpSettings(IPAddress Address)
{
    public static IpSettings For(ResourceDefinition definition, string node)
    {
        string? text = definition.Setting(node, SettingKeys.Address);
        if (text is null || !IPAddress.TryParse(text, out var address))
            throw new InvalidOperationException($"ip resource '{definition.Tag}' has no address for node '{node}'. Extend it to that node with that node's own ENI address.");
        return new IpSettings(address);
    }
}

public sealed record Route53Settings(string HostedZoneId, string ZoneName, string RecordName, long? Ttl, string IpResource, AwsAccessOptions Access)
{
    public static Route53Settings For(ResourceDefinition definition, string node)
    {
        string Required(string key) => definition.Setting(node, key)
            ?? throw new InvalidOperationException($"route53 resource '{definition.Tag}' has no {key}; recreate it with New-HaRoute53Resource.");
        string? ttl = definition.Setting(node, SettingKeys.Ttl);
        string? endpoint = definition.Setting(node, SettingKeys.EndpointUrl);
        return new Route53Settings(
            Required(SettingKeys.HostedZoneId),
            Required(SettingKeys.ZoneName),
            Required(SettingKeys.RecordName),
            ttl is null ? null : long.Parse(ttl, System.Globalization.CultureInfo.InvariantCulture),
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
}

public sealed record ServiceSettings(string? StartCommand, string? StopCommand, string? CheckCommand, string? SystemdUnit)
{
    public static ServiceSettings For(ResourceDefinition definition, string node) => new(
        definition.Setting(node, SettingKeys.StartCommand),
        definition.Setting(node, SettingKeys.StopCommand),
        definition.Setting(node, SettingKeys.CheckCommand),
        definition.Setting(node, SettingKeys.SystemdUnit));
}
