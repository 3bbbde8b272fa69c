using System.Net;
using System.Net.Sockets;
using SiosRoute53.Aws;
using SiosRoute53.Route53;
using SiosRoute53.Route53Server;

namespace SiosRoute53.Tests.Unit.Server;

/// <summary>A Route 53-compatible server on loopback with one key, and clients for it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string AccessKey = "AKIDTESTSIOSR53";
    public const string SecretKey = "test/secret+key/ThatMustNeverBeLogged0";

    private TestServer(Route53CompatibleServer server) => Server = server;

    public Route53CompatibleServer Server { get; }

    public static async Task<TestServer> StartAsync(TimeSpan? propagation = null, bool dns = false, TimeProvider? time = null, string? controlToken = null)
    {
        var server = await Route53CompatibleServer.StartAsync(new Route53ServerOptions
        {
            PropagationDelay = propagation ?? TimeSpan.FromMilliseconds(300),
            DnsEndpoint = dns ? new IPEndPoint(IPAddress.Loopback, FreeUdpPort()) : null,
            Time = time ?? TimeProvider.System,
            ControlToken = controlToken,
        });
        server.Authenticator.AddKey(AccessKey, SecretKey);
        var started = new TestServer(server);
        // One request through the whole pipeline first, so that a test's first requests do not queue behind its
        // warm-up (rate-limit tests count on evenly spaced arrivals); the counters start from zero after it.
        using (var client = started.Client()) await client.ListHostedZonesAsync();
        server.Requests.Reset();
        return started;
    }

    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public Route53Client Client(Action<string>? log = null, int attempts = 4, TimeSpan? timeout = null, string? secret = null,
        string? accessKey = null, TimeProvider? time = null, RetryPolicy? retry = null) =>
        new(new StaticCredentialSource(new AwsKeys(accessKey ?? AccessKey, secret ?? SecretKey)), new Route53ClientOptions
        {
            Endpoint = Server.Endpoint,
            RequestsPerSecond = 0,
            Retry = retry ?? new RetryPolicy { MaxAttempts = attempts, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(50) },
            RequestTimeout = timeout ?? TimeSpan.FromSeconds(5),
            Log = log,
            Time = time ?? TimeProvider.System,
        });

    /// <summary>A zone as a test's starting point; private ones are in <see cref="ZoneVpc.Lab"/> (CreateHostedZone needs a VPC for them).</summary>
    public Task<HostedZone> CreateZoneAsync(string name = "corp.example.", bool privateZone = true) =>
        Task.FromResult(Server.Zones.CreateZone(name, Guid.NewGuid().ToString(), "test zone", privateZone).Zone);

    public static ResourceRecordSet A(string name, string ip, long ttl = 10) => new(name, "A", ttl, new[] { ip });

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
