using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Store;

namespace SiosRoute53.Bench;

/// <summary>
/// Prepares a node for the process benchmarks: a hosted zone in a running Route 53-compatible server with N A records
/// and their ownership marks, and a state directory with N route53 resources in service on node "bench".
/// </summary>
internal static class NodeSeeder
{
    public static async Task<string> SeedAsync(Uri endpoint, string accessKey, string secretKey, string stateDirectory, int count)
    {
        using var client = new Route53Client(new StaticCredentialSource(new AwsKeys(accessKey, secretKey)),
            new Route53ClientOptions { Endpoint = endpoint, RequestsPerSecond = 0 });
        string zoneName = $"n{count}.bench.example.";
        var (zone, _) = await client.CreateHostedZoneAsync(zoneName, Guid.NewGuid().ToString(), "benchmark", privateZone: true);
        var resources = new List<ResourceDefinition>
        {
            new() { Tag = "ip", Kind = ResourceKind.Ip, Nodes = new(StringComparer.OrdinalIgnoreCase) { ["bench"] = new NodeInstance { Settings = new() { [SettingKeys.Address] = "127.0.0.1" } } } },
        };
        var changes = new List<Change>();
        for (int i = 0; i < count; i++)
        {
            string name = $"svc{i}.{zoneName}";
            resources.Add(new ResourceDefinition
            {
                Tag = $"dns{i}",
                Kind = ResourceKind.Route53,
                Settings = new()
                {
                    [SettingKeys.HostedZoneId] = zone.ShortId, [SettingKeys.ZoneName] = zoneName, [SettingKeys.RecordName] = name,
                    [SettingKeys.IpResource] = "ip", [SettingKeys.EndpointUrl] = endpoint.ToString(),
                },
                Nodes = new(StringComparer.OrdinalIgnoreCase) { ["bench"] = new NodeInstance() },
            });
            changes.Add(new Change(ChangeAction.CREATE, new ResourceRecordSet(name, "A", 10, new[] { "127.0.0.1" })));
            changes.Add(new Change(ChangeAction.CREATE, new OwnershipMark("bench", $"dns{i}", "bench").ToRecordSet(name, 10)));
        }
        // Batches of 100 changes: well inside Route 53's limits on a change batch.
        foreach (var batch in changes.Chunk(100)) await client.ChangeResourceRecordSetsAsync(zone.Id, batch);
        new StateStore(stateDirectory).Update(s => s with
        {
            NodeName = "bench",
            ClusterName = "bench",
            Resources = resources,
            Dependencies = resources.Skip(1).Select(r => new Dependency(r.Tag, "ip")).ToList(),
            States = resources.Select(r => new ResourceStatus { Tag = r.Tag, Node = "bench", State = ResourceState.ISP, Since = DateTimeOffset.UtcNow }).ToList(),
        });
        return zone.ShortId;
    }
}
