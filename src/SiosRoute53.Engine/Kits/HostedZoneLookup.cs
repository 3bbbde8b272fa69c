using SiosRoute53.Aws;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Tunables;

namespace SiosRoute53.Kits;

/// <summary>Finds the hosted zone a new route53 resource names, by id or by name.</summary>
public static class HostedZoneLookup
{
    /// <summary>
    /// Finds a hosted zone by id or name with ListHostedZones (the least-privilege policy has no GetHostedZone).
    /// </summary>
    public static async Task<HostedZone> ResolveAsync(IRoute53Client client, string? zoneId, string? zoneName, CancellationToken cancellationToken)
    {
        var zones = await client.ListAllHostedZonesAsync(cancellationToken);
        if (zoneId is not null)
        {
            string bare = Route53Ids.BareZoneId(zoneId);
            return zones.FirstOrDefault(z => z.ShortId.Equals(bare, StringComparison.OrdinalIgnoreCase))
                ?? throw new HaArgumentException($"Hosted zone '{zoneId}' was not found among the {zones.Count} zone(s) these credentials see ({string.Join(", ", zones.Select(z => $"{z.Name} {z.ShortId}"))}). Check the id with Get-HaRoute53Zone.", zoneId);
        }
        var named = zones.Where(z => DnsNames.Equal(z.Name, zoneName!)).ToList();
        return named.Count switch
        {
            0 => throw new HaArgumentException($"No hosted zone is named '{DnsNames.Normalize(zoneName!)}' among the {zones.Count} zone(s) these credentials see. Check the name with Get-HaRoute53Zone.", zoneName),
            1 => named[0],
            _ => throw new HaArgumentException($"{named.Count} hosted zones are named '{DnsNames.Normalize(zoneName!)}' ({string.Join(", ", named.Select(z => $"{z.ShortId}{(z.PrivateZone ? " private" : " public")}"))}); give -HostedZoneId instead.", zoneName),
        };
    }
}
