using SiosRoute53.Aws;
using SiosRoute53.Route53;

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
        // Public: Route 53 makes a zone private only with a VPC, which this client does not send.
        var (zone, _) = await client.CreateHostedZoneAsync($"n{count}.bench.example.", Guid.NewGuid().ToString(), "benchmark", privateZone: false);
        var node = BenchNode.Build("bench", "127.0.0.1", new[] { zone }, count, endpoint);
        // Batches of 100 changes: well inside Route 53's limits on a change batch.
        foreach (var batch in node.ChangesByZone[zone.ShortId].Chunk(100)) await client.ChangeResourceRecordSetsAsync(zone.Id, batch);
        node.WriteStore(stateDirectory);
        return zone.ShortId;
    }
}
