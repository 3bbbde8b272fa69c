using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SiosRoute53.Route53Server;

// The standalone Route 53-compatible server, for the demo lab and for users' own runbook tests.
// Keys come from the environment (never the command line, where `ps` would show them).
const string Help = """
    usage: SiosRoute53.Route53Server [--listen ADDR:PORT] [--dns ADDR:PORT] [--propagation SECONDS|MIN-MAX]
                                     [--zone NAME]... [--rate N] [--role ARN[:EXTERNAL_ID]]...
      --listen       API address (default 127.0.0.1:8053; port 0 picks a free one, printed as "listening URL")
      --dns          DNS frontend address, UDP (default: none); answers from INSYNC data only
      --propagation  how long a change stays PENDING before INSYNC: SECONDS (default 2), or MIN-MAX seconds, drawn
                     uniformly per change (real Route 53 changes take up to about a minute: try 20-60)
      --zone         create this hosted zone at start, private in VPC vpc-0a1b2c3d4e5f60718 (repeatable);
                     prints "zone NAME ID"
      --rate         requests per second before Throttling (default 5, Route 53's; 0 = no limit)
      --role         a role that STS AssumeRole (POST /) may hand out (repeatable); point the SDK at it
                     with AWS_ENDPOINT_URL_STS to test -RoleArn
      -h, --help     this text
    environment:
      SIOSR53_ACCESS_KEY_ID, SIOSR53_SECRET_ACCESS_KEY (required): the keys the server accepts
      SIOSR53_CONTROL_TOKEN (optional): enables the control endpoint; each request needs header X-Control-Token:
        GET|PUT /_control/faults       limits and injected faults (JSON: requestsPerSecond, throttleNextRequests,
                                       priorRequestWindowSeconds, latencyMilliseconds, serverErrorRate, dropRate,
                                       outage, propagationDelaySeconds or propagation "MIN-MAX")
        GET|PUT /_control/propagation  the propagation time alone, as text: "2" or "20-60"
        GET|DELETE /_control/requests  requests, Throttling answers and errors per operation; DELETE resets them
    SIGTERM or SIGINT (Ctrl+C) stops the server; it exits 0.
    """;

static int Fail(string problem)
{
    Console.Error.WriteLine($"error: {problem}");
    return 2;
}

var listen = new IPEndPoint(IPAddress.Loopback, 8053);
IPEndPoint? dns = null;
var propagation = PropagationRange.Fixed(TimeSpan.FromSeconds(2));
double rate = 5;
var zonesToCreate = new List<string>();
var roles = new List<(string Arn, string? ExternalId)>();
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("needs a value");
    string option = args[i];
    try
    {
        switch (option)
        {
            case "--listen": listen = IPEndPoint.Parse(Next()); break;
            case "--dns": dns = IPEndPoint.Parse(Next()); break;
            case "--propagation": propagation = PropagationRange.Parse(Next()); break;
            case "--rate":
                string r = Next();
                if (!double.TryParse(r, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out rate))
                    throw new FormatException($"'{r}' is not a number of requests per second (0 = no limit)");
                break;
            case "--zone": zonesToCreate.Add(Next()); break;
            case "--role":
                string role = Next();
                int cut = role.IndexOf(":role/", StringComparison.Ordinal) is var at and >= 0 ? role.IndexOf(':', at + 6) : -1;
                roles.Add(cut < 0 ? (role, null) : (role[..cut], role[(cut + 1)..]));
                break;
            case "-h" or "--help":
                Console.WriteLine(Help);
                return 0;
            default: return Fail($"unknown argument '{option}'; see --help");
        }
    }
    catch (Exception e) when (e is FormatException or ArgumentException)
    {
        return Fail($"{option}: {e.Message.TrimEnd('.')}; see --help");
    }
}

string? accessKey = Environment.GetEnvironmentVariable("SIOSR53_ACCESS_KEY_ID");
string? secretKey = Environment.GetEnvironmentVariable("SIOSR53_SECRET_ACCESS_KEY");
if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
    return Fail("set SIOSR53_ACCESS_KEY_ID and SIOSR53_SECRET_ACCESS_KEY to the keys the server accepts");

// Registered before the server starts so that a signal during start-up is not lost; the handlers only cancel.
using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

Route53CompatibleServer server;
try
{
    server = await Route53CompatibleServer.StartAsync(new Route53ServerOptions
    {
        HttpEndpoint = listen,
        DnsEndpoint = dns,
        Propagation = propagation,
        ControlToken = Environment.GetEnvironmentVariable("SIOSR53_CONTROL_TOKEN"),
    }, stop.Token);
}
catch (Exception e) when (e is IOException or SocketException)
{
    bool dnsPort = e is SocketException && dns is not null;
    var endpoint = dnsPort ? dns! : listen;
    string what = dnsPort ? "DNS (UDP)" : "API (TCP)";
    string why = e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
        || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
        ? "the port is in use; stop what holds it or choose another port" : e.Message;
    return Fail($"cannot listen for {what} on {endpoint} (port {endpoint.Port}): {why}");
}
catch (OperationCanceledException)
{
    return 0;
}

await using (server)
{
    server.Authenticator.AddKey(accessKey, secretKey);
    foreach (var (arn, externalId) in roles) server.Authenticator.AddRole(arn, externalId);
    server.Faults.Update(f => f with { RequestsPerSecond = rate });
    foreach (var zone in zonesToCreate)
    {
        try
        {
            var (created, _) = server.Zones.CreateZone(zone, "startup-" + zone, null, privateZone: true);
            Console.WriteLine($"zone {created.Name} {created.ShortId}");
        }
        catch (ApiError e)
        {
            return Fail($"--zone {zone}: {e.Message}");
        }
    }
    Console.WriteLine($"listening {server.Endpoint}" + (server.DnsEndpoint is null ? "" : $" dns {server.DnsEndpoint}")
                      + $" propagation {server.Zones.Propagation} s");
    try { await Task.Delay(Timeout.Infinite, stop.Token); }
    catch (OperationCanceledException) { }
}
return 0;
