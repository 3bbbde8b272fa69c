using System.Globalization;
using System.Net;
using System.Text.Json;
using SiosRoute53.Route53Server;

namespace SiosRoute53.Bench;

/// <summary>
/// The Route 53-compatible server as the Pacemaker benchmark runs it in its namespace: the same server, plus its
/// per-operation request counts written to a file every 100 ms, so API calls can be counted from outside the process.
/// counting-server LISTEN DNS PROPAGATION_SECONDS ZONE COUNTS_FILE; keys and the control token from the environment.
/// </summary>
public static class CountingServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        await using var server = await Route53CompatibleServer.StartAsync(new Route53ServerOptions
        {
            HttpEndpoint = IPEndPoint.Parse(args[1]),
            DnsEndpoint = IPEndPoint.Parse(args[2]),
            PropagationDelay = TimeSpan.FromSeconds(double.Parse(args[3], CultureInfo.InvariantCulture)),
            ControlToken = Environment.GetEnvironmentVariable("SIOSR53_CONTROL_TOKEN"),
        });
        server.Authenticator.AddKey(Environment.GetEnvironmentVariable("SIOSR53_ACCESS_KEY_ID")!, Environment.GetEnvironmentVariable("SIOSR53_SECRET_ACCESS_KEY")!);
        server.Faults.Update(f => f with { RequestsPerSecond = 0 });
        var (zone, _) = server.Zones.CreateZone(args[4], "bench-" + args[4], null, privateZone: true);
        Console.WriteLine($"zone {zone.Name} {zone.ShortId}");
        Console.WriteLine($"listening {server.Endpoint} dns {server.DnsEndpoint}");
        string file = args[5];
        while (true)
        {
            var counts = new SortedDictionary<string, long>(server.CallsByOperation.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
            File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(counts));
            File.Move(file + ".tmp", file, overwrite: true);
            await Task.Delay(100);
        }
    }
}
