using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SiosRoute53.Aws;
using SiosRoute53.Route53;

namespace SiosRoute53.Ocf;

/// <summary>A parameter is wrong; <see cref="ExitCode"/> says whether everywhere (6) or only on this node (2).</summary>
public sealed class AgentParameterException(string message, OcfExitCode exitCode = OcfExitCode.ErrConfigured) : Exception(message)
{
    public OcfExitCode ExitCode { get; } = exitCode;
}

/// <summary>Where this node's address comes from: instance metadata, a fixed address, or a per-node map.</summary>
public abstract record AddressSource
{
    public sealed record Metadata(string Item) : AddressSource;
    public sealed record Fixed(IPAddress Address) : AddressSource;
    public sealed record PerNode(IReadOnlyDictionary<string, IPAddress> Addresses) : AddressSource;

    public static AddressSource Parse(string text)
    {
        text = text.Trim();
        if (text.Length == 0 || text.Equals("local", StringComparison.OrdinalIgnoreCase)) return new Metadata("local-ipv4");
        if (text.Equals("public", StringComparison.OrdinalIgnoreCase)) return new Metadata("public-ipv4");
        if (!text.Contains('=')) return new Fixed(ParseAddress(text, "ip"));
        var map = new Dictionary<string, IPAddress>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in text.Split(new[] { ',', ' ', ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = entry.Split('=', 2);
            if (pair.Length != 2 || pair[0].Trim().Length == 0)
                throw new AgentParameterException($"ip='{text}': entry '{entry}' is not node=address. Give e.g. ip=node1=10.0.1.10,node2=10.0.2.10.");
            string node = pair[0].Trim();
            if (!map.TryAdd(node, ParseAddress(pair[1], $"ip entry for node '{node}'")))
                throw new AgentParameterException($"ip='{text}' names node '{node}' twice; give each node one address.");
        }
        return new PerNode(map);
    }

    private static IPAddress ParseAddress(string text, string what)
    {
        if (!IPAddress.TryParse(text.Trim(), out var address) || address.AddressFamily != AddressFamily.InterNetwork || text.Trim().Count(c => c == '.') != 3)
            throw new AgentParameterException($"{what} '{text.Trim()}' is not an IPv4 address; an A record holds IPv4 addresses. Give e.g. 10.0.1.10, or 'local' for this instance's private address.");
        return address;
    }
}

/// <summary>The agent's parameters, read from OCF_RESKEY_* and checked; nothing here contacts AWS.</summary>
public sealed record AgentSettings
{
    public required string HostedZoneId { get; init; }
    public required string RecordName { get; init; }
    public required AddressSource Address { get; init; }
    public required long Ttl { get; init; }
    public required AwsAccessOptions Access { get; init; }
    public required string? Cluster { get; init; }
    public required bool Adopt { get; init; }
    public required string TunablesPath { get; init; }
    public int MetadataAttempts { get; init; } = 3;
    public TimeSpan MetadataPause { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Reads the parameters from the environment Pacemaker gives the agent (OCF_RESKEY_name=value).</summary>
    public static AgentSettings Parse(IReadOnlyDictionary<string, string> environment)
    {
        string Value(string name)
        {
            var parameter = AgentParameter.Find(name) ?? throw new InvalidOperationException($"'{name}' is not in the parameter catalogue.");
            return environment.TryGetValue("OCF_RESKEY_" + name, out var v) && v.Trim().Length > 0 ? v.Trim() : parameter.Default ?? "";
        }
        string Required(string name) => Value(name) is { Length: > 0 } v ? v
            : throw new AgentParameterException($"Parameter '{name}' is required: {AgentParameter.Find(name)!.ShortDesc}. Set it with 'pcs resource update <id> {name}=...'.");
        int Integer(string name, int min, int max)
        {
            string text = Value(name);
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
                throw new AgentParameterException($"Parameter {name}='{text}' is not a whole number from {min} to {max}.");
            return v;
        }

        string zone = Route53Ids.BareZoneId(Required("hostedzoneid"));
        if (zone.Length == 0 || zone.Length > 32 || !zone.All(char.IsAsciiLetterOrDigit))
            throw new AgentParameterException($"hostedzoneid='{Value("hostedzoneid")}' is not a hosted zone ID; give the ID Route 53 shows, e.g. Z0123456789ABCDEFGHIJ.");
        string name = Required("fullname");
        if (DnsNames.Validate(name) is { } why)
            throw new AgentParameterException($"fullname='{name}' is not a valid DNS name: {why}.");

        string auth = Value("auth_type").ToLowerInvariant();
        if (auth is not ("key" or "role"))
            throw new AgentParameterException($"auth_type='{Value("auth_type")}' is not valid; give 'key' (credentials of the AWS profile) or 'role' (the instance role).");
        string profile = Value("profile");

        Uri? endpoint = null;
        if (Value("endpoint_url") is { Length: > 0 } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
            throw new AgentParameterException($"endpoint_url='{url}' is not an http or https URL; give e.g. https://route53.amazonaws.com or leave it empty.");
        string roleArn = Value("role_arn");
        if (roleArn.Length > 0 && !roleArn.StartsWith("arn:", StringComparison.Ordinal))
            throw new AgentParameterException($"role_arn='{roleArn}' is not an ARN; give it as arn:aws:iam::<account>:role/<name>.");
        if (Value("external_id").Length > 0 && roleArn.Length == 0)
            throw new AgentParameterException("external_id is set without role_arn; the external ID belongs to the role to assume. Set role_arn or clear external_id.");

        string adopt = Value("adopt").ToLowerInvariant();
        bool? adoptValue = adopt switch { "true" or "yes" or "1" or "on" => true, "false" or "no" or "0" or "off" => false, _ => null };
        if (adoptValue is null)
            throw new AgentParameterException($"adopt='{Value("adopt")}' is not a boolean; give true or false.");
        string cluster = Value("cluster");
        if (cluster.Any(c => char.IsWhiteSpace(c) || c == '"'))
            throw new AgentParameterException($"cluster='{cluster}' contains a space or a quote; the ownership mark needs a single word.");

        return new AgentSettings
        {
            HostedZoneId = zone,
            RecordName = DnsNames.Normalize(name),
            Address = AddressSource.Parse(Value("ip")),
            Ttl = Integer("ttl", 0, 86400),
            Access = new AwsAccessOptions
            {
                // 'default' is what the standard chain reads anyway; naming it would fail on nodes that use
                // environment keys or an instance role with no shared files at all.
                ProfileName = auth == "key" && profile.Length > 0 && profile != "default" ? profile : null,
                Region = Value("region") is { Length: > 0 } region ? region : null,
                EndpointUrl = endpoint,
                RoleArn = roleArn.Length > 0 ? roleArn : null,
                ExternalId = Value("external_id") is { Length: > 0 } ext ? ext : null,
                RoleSessionName = "SiosRoute53-ocf",
            },
            Cluster = cluster.Length > 0 ? cluster : null,
            Adopt = adoptValue.Value,
            TunablesPath = Value("tunables"),
            MetadataAttempts = Integer("curl_retries", 1, 20),
            MetadataPause = TimeSpan.FromSeconds(Integer("curl_sleep", 0, 60)),
        };
    }

    /// <summary>This node's address when it comes from the parameters alone; null when instance metadata must be asked.</summary>
    public IPAddress? FixedAddressFor(string node) => Address switch
    {
        AddressSource.Fixed f => f.Address,
        AddressSource.PerNode m => m.Addresses.TryGetValue(node, out var a) ? a
            : throw new AgentParameterException(
                $"ip='{string.Join(",", m.Addresses.Select(kv => $"{kv.Key}={kv.Value}"))}' has no address for this node '{node}'. Add '{node}=<its own ENI address>' to the map.",
                OcfExitCode.ErrArgs),
        _ => null,
    };
}
