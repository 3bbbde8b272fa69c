using System.Net;
using DnsClient;
using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Platform;
using SiosRoute53.Route53;
using SiosRoute53.Tunables;

namespace SiosRoute53.Hierarchy;

// Based on long so that PowerShell's ConvertTo-Json writes the name (it writes enums on int as numbers).
public enum PrerequisiteStatus : long { Passed, Warning, Failed, Skipped }

/// <summary>One prerequisite of the seed's §2: what was checked, how it went, and what to do.</summary>
public sealed class HaPrerequisite
{
    public required string Check { get; init; }
    public required PrerequisiteStatus Status { get; init; }
    public required string Detail { get; init; }
    public bool Passed => Status is PrerequisiteStatus.Passed or PrerequisiteStatus.Warning;
}

/// <summary>What to check: a zone and record, the node's address, how to reach AWS, and which DNS server to ask.</summary>
public sealed record PrerequisiteRequest
{
    public AwsAccessOptions Access { get; init; } = new();
    public string? HostedZoneId { get; init; }
    public string? ZoneName { get; init; }
    public string? RecordName { get; init; }
    public IPAddress? Address { get; init; }

    /// <summary>A DNS server to resolve the record with; null means the node's own resolver.</summary>
    public IPEndPoint? DnsServer { get; init; }
}

/// <summary>
/// Checks that a node can run a route53 hierarchy: credentials, the four IAM actions (without changing anything),
/// the zone, the record name, the address, the clock, and name resolution.
/// </summary>
public sealed class PrerequisiteChecker(KitEnvironment environment, TunableSet tunables)
{
    private static readonly TimeSpan SkewWarning = TimeSpan.FromMinutes(2);

    public async Task<IReadOnlyList<HaPrerequisite>> RunAsync(PrerequisiteRequest request, Action<string>? log, CancellationToken cancellationToken)
    {
        var results = new List<HaPrerequisite>();
        void Add(string check, PrerequisiteStatus status, string detail) => results.Add(new HaPrerequisite { Check = check, Status = status, Detail = detail });

        try
        {
            var source = AwsSdkCredentialSource.From(request.Access);
            var keys = await source.GetKeysAsync(cancellationToken);
            Add("Credentials", PrerequisiteStatus.Passed, $"Resolved from {source.Description} (access key {keys.MaskedAccessKeyId}).");
        }
        catch (AwsConfigurationException e)
        {
            Add("Credentials", PrerequisiteStatus.Failed, e.Message);
            return results;
        }

        var client = environment.Route53(request.Access, tunables, log);
        IReadOnlyList<HostedZone>? zones = null;
        try
        {
            zones = await client.ListAllHostedZonesAsync(cancellationToken);
            Add("route53:ListHostedZones", PrerequisiteStatus.Passed, $"{zones.Count} hosted zone(s) visible.");
        }
        catch (Route53Exception e)
        {
            Add("route53:ListHostedZones", PrerequisiteStatus.Failed, Advice(e, "route53:ListHostedZones"));
        }

        if (client is Route53Client { LastServerTime: { } serverTime })
        {
            var skew = environment.Time.GetUtcNow() - serverTime;
            var abs = skew.Duration();
            Add("Clock", abs > RequestAuthenticatorSkew ? PrerequisiteStatus.Failed : abs > SkewWarning ? PrerequisiteStatus.Warning : PrerequisiteStatus.Passed,
                $"This node's clock is {abs.TotalSeconds:0} s {(skew >= TimeSpan.Zero ? "ahead of" : "behind")} Route 53's" +
                (abs > SkewWarning ? "; SigV4 refuses requests more than 15 minutes off: synchronise the clock (chrony, Amazon Time Sync Service)." : "."));
        }
        else
        {
            Add("Clock", PrerequisiteStatus.Skipped, "Route 53 sent no Date to compare with.");
        }

        HostedZone? zone = null;
        if (request.HostedZoneId is null && request.ZoneName is null)
            Add("Hosted zone", PrerequisiteStatus.Skipped, "No zone given (-HostedZoneId, -ZoneName or -Tag).");
        else if (zones is null)
            Add("Hosted zone", PrerequisiteStatus.Skipped, "The zones could not be listed.");
        else
        {
            zone = request.HostedZoneId is not null
                ? zones.FirstOrDefault(z => z.ShortId.Equals(Route53Ids.BareZoneId(request.HostedZoneId), StringComparison.OrdinalIgnoreCase))
                : zones.SingleOrDefault(z => DnsNames.Equal(z.Name, request.ZoneName!));
            Add("Hosted zone", zone is null ? PrerequisiteStatus.Failed : PrerequisiteStatus.Passed,
                zone is null ? $"Zone '{request.HostedZoneId ?? request.ZoneName}' is not among the zones these credentials see (or the name is ambiguous)."
                    : $"{zone.Name} ({zone.ShortId}, {(zone.PrivateZone ? "private" : "public")}).");
        }

        if (request.RecordName is { } recordName)
        {
            string? invalid = DnsNames.Validate(recordName);
            if (invalid is not null) Add("Record name", PrerequisiteStatus.Failed, $"'{recordName}' is not a valid DNS name: {invalid}.");
            else if (zone is not null && (!DnsNames.IsInZone(recordName, zone.Name) || DnsNames.Equal(recordName, zone.Name)))
                Add("Record name", PrerequisiteStatus.Failed, $"'{DnsNames.Normalize(recordName)}' is not inside zone '{zone.Name}'.");
            else Add("Record name", zone is null ? PrerequisiteStatus.Skipped : PrerequisiteStatus.Passed, $"{DnsNames.Normalize(recordName)}" + (zone is null ? " (zone unknown)." : $" is inside {zone.Name}."));
        }

        if (zone is not null)
        {
            string probeName = "_siosroute53-probe." + zone.Name;
            try
            {
                await client.ListResourceRecordSetsAsync(zone.ShortId, DnsNames.Normalize(request.RecordName ?? zone.Name), "A", null, 1, cancellationToken);
                Add("route53:ListResourceRecordSets", PrerequisiteStatus.Passed, $"Records of {zone.Name} can be read.");
            }
            catch (Route53Exception e) { Add("route53:ListResourceRecordSets", PrerequisiteStatus.Failed, Advice(e, "route53:ListResourceRecordSets")); }

            // A DELETE of a record that does not exist: Route 53 checks permission first, then refuses the batch
            // as invalid. Nothing is ever changed.
            try
            {
                await client.ChangeResourceRecordSetsAsync(zone.ShortId, new[] { new Change(ChangeAction.DELETE, new ResourceRecordSet(probeName, "TXT", 1, new[] { "\"siosroute53 probe\"" })) },
                    "SiosRoute53 permission probe (always refused)", cancellationToken);
                Add("route53:ChangeResourceRecordSets", PrerequisiteStatus.Warning, $"The probe batch was accepted: {probeName} TXT existed and was deleted.");
            }
            catch (InvalidChangeBatchException) { Add("route53:ChangeResourceRecordSets", PrerequisiteStatus.Passed, "Allowed (probed with a batch Route 53 refuses; nothing changed)."); }
            catch (Route53Exception e) { Add("route53:ChangeResourceRecordSets", PrerequisiteStatus.Failed, Advice(e, "route53:ChangeResourceRecordSets")); }
        }
        else
        {
            Add("route53:ListResourceRecordSets", PrerequisiteStatus.Skipped, "Needs a hosted zone.");
            Add("route53:ChangeResourceRecordSets", PrerequisiteStatus.Skipped, "Needs a hosted zone.");
        }

        try
        {
            await client.GetChangeAsync("C0SIOSROUTE53PROBE", cancellationToken);
            Add("route53:GetChange", PrerequisiteStatus.Passed, "Allowed.");
        }
        catch (Exception e) when (e is NoSuchChangeException or InvalidInputException) { Add("route53:GetChange", PrerequisiteStatus.Passed, "Allowed (probed with an unknown change id)."); }
        catch (Route53Exception e) { Add("route53:GetChange", PrerequisiteStatus.Failed, Advice(e, "route53:GetChange")); }

        if (request.Address is { } address)
        {
            var found = environment.Network.Addresses().FirstOrDefault(a => a.Address.Equals(address));
            Add("Address", found is { AdministrativelyUp: true, LinkUp: true } ? PrerequisiteStatus.Passed : PrerequisiteStatus.Failed,
                found is null ? $"{address} is not configured on this node; give this node's own ENI private IP."
                : found.AdministrativelyUp && found.LinkUp ? $"{address} is on {found.Interface}, up." : $"{address} is on {found.Interface}, which is down or has no link.");
        }

        if (request.RecordName is { } name && DnsNames.Validate(name) is null)
            results.Add(await ResolveAsync(DnsNames.Normalize(name), request.Address, request.DnsServer, cancellationToken));
        return results;
    }

    private static readonly TimeSpan RequestAuthenticatorSkew = TimeSpan.FromMinutes(15);

    private static string Advice(Route53Exception e, string action) => e switch
    {
        AccessDeniedException => $"Denied: {e.AwsMessage} Add {action} to the node's IAM policy.",
        SignatureDoesNotMatchException => $"{e.AwsMessage} Check the secret key and the node's clock.",
        _ => e.Message,
    };

    private static async Task<HaPrerequisite> ResolveAsync(string name, IPAddress? expected, IPEndPoint? server, CancellationToken cancellationToken)
    {
        try
        {
            IReadOnlyList<IPAddress> addresses;
            if (server is not null)
            {
                var lookup = new LookupClient(new LookupClientOptions(server) { UseCache = false, Retries = 1, Timeout = TimeSpan.FromSeconds(3), UseTcpFallback = false });
                var answer = await lookup.QueryAsync(name, QueryType.A, cancellationToken: cancellationToken);
                addresses = answer.Answers.ARecords().Select(a => a.Address).ToList();
            }
            else
            {
                addresses = await Dns.GetHostAddressesAsync(name.TrimEnd('.'), System.Net.Sockets.AddressFamily.InterNetwork, cancellationToken);
            }
            string via = server is null ? "the node's resolver" : $"DNS server {server}";
            if (addresses.Count == 0)
                return new HaPrerequisite { Check = "DNS", Status = PrerequisiteStatus.Warning, Detail = $"{name} does not resolve through {via} yet (normal before the first start)." };
            string list = string.Join(", ", addresses);
            return new HaPrerequisite
            {
                Check = "DNS",
                Status = PrerequisiteStatus.Passed,
                Detail = $"{name} resolves to {list} through {via}" + (expected is null ? "." : addresses.Contains(expected) ? " (this node)." : $" (not this node's {expected})."),
            };
        }
        catch (Exception e) when (e is DnsResponseException or System.Net.Sockets.SocketException)
        {
            return new HaPrerequisite { Check = "DNS", Status = PrerequisiteStatus.Warning, Detail = $"{name} could not be resolved: {e.Message}" };
        }
    }
}
