using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Route53;
using SiosRoute53.Store;

namespace SiosRoute53.Bench;

/// <summary>
/// A node with N route53 resources in service, spread over some hosted zones: the definitions and states for its
/// store, and the A and ownership records each zone must hold. Both the in-process and the process benchmarks use it.
/// </summary>
internal sealed record BenchNode(string Node, List<ResourceDefinition> Resources, Dictionary<string, List<Change>> ChangesByZone)
{
    public static BenchNode Build(string node, string address, IReadOnlyList<HostedZone> zones, int count, Uri endpoint)
    {
        var resources = new List<ResourceDefinition>
        {
            new IpSettings(System.Net.IPAddress.Parse(address)).Define("ip", node),
        };
        var changes = new Dictionary<string, List<Change>>();
        for (int i = 0; i < count; i++)
        {
            var zone = zones[i % zones.Count];
            string name = $"svc{i}.{zone.Name}";
            resources.Add(new Route53Settings(zone.ShortId, zone.Name, name, null, "ip", new Aws.AwsAccessOptions { EndpointUrl = endpoint }).Define($"dns{i}") with
            {
                Nodes = new(StringComparer.OrdinalIgnoreCase) { [node] = new NodeInstance() },
            });
            if (!changes.TryGetValue(zone.ShortId, out var list)) changes[zone.ShortId] = list = new();
            list.Add(new Change(ChangeAction.CREATE, new ResourceRecordSet(name, "A", 10, new[] { address })));
            list.Add(new Change(ChangeAction.CREATE, new OwnershipMark("bench", $"dns{i}", node).ToRecordSet(name, 10)));
        }
        return new BenchNode(node, resources, changes);
    }

    /// <summary>Writes the node's store: the resources, their dependencies on the ip resource, all in service.</summary>
    public StateStore WriteStore(string directory)
    {
        var store = new StateStore(directory);
        store.Update(s => s with
        {
            NodeName = Node,
            ClusterName = "bench",
            Resources = Resources,
            Dependencies = Resources.Skip(1).Select(r => new Dependency(r.Tag, "ip")).ToList(),
            States = Resources.Select(r => new ResourceStatus { Tag = r.Tag, Node = Node, State = ResourceState.ISP, Since = DateTimeOffset.UtcNow }).ToList(),
        });
        return store;
    }
}
