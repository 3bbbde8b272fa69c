using System.Globalization;
using System.Net;
using SiosRoute53.Route53Server;

// The standalone Route 53-compatible server, for the demo lab and for users' own runbook tests.
// Keys come from the environment (never the command line, where `ps` would show them).
static int Usage(string? problem)
{
    if (problem is not null) Console.Error.WriteLine($"error: {problem}");
    Console.Error.WriteLine("""
        usage: SiosRoute53.Route53Server [--listen ADDR:PORT] [--dns ADDR:PORT] [--propagation SECONDS]
                                         [--zone NAME]... [--rate N] [--role ARN[:EXTERNAL_ID]]...
          --listen       API address (default 127.0.0.1:8053)
          --dns          DNS frontend address, UDP (default: none)
          --propagation  seconds a change stays PENDING (default 2)
          --zone         create this hosted zone at start (repeatable); its id is printed
          --rate         requests per second before Throttling (default 5; 0 = no limit)
          --role         a role that STS AssumeRole (POST /) may hand out (repeatable); point the SDK at it
                         with AWS_ENDPOINT_URL_STS to test -RoleArn
        environment: SIOSR53_ACCESS_KEY_ID and SIOSR53_SECRET_ACCESS_KEY (required): the accepted keys;
                     SIOSR53_CONTROL_TOKEN (optional): enables PUT/GET /_control/faults with header X-Control-Token.
        """);
    return 2;
}

var listen = new IPEndPoint(IPAddress.Loopback, 8053);
IPEndPoint? dns = null;
double propagation = 2, rate = 5;
var zonesToCreate = new List<string>();
var roles = new List<(string Arn, string? ExternalId)>();
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    try
    {
        switch (args[i])
        {
            case "--listen": listen = IPEndPoint.Parse(Next()); break;
            case "--dns": dns = IPEndPoint.Parse(Next()); break;
            case "--propagation": propagation = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--rate": rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--zone": zonesToCreate.Add(Next()); break;
            case "--role":
                string role = Next();
                int cut = role.IndexOf(":role/", StringComparison.Ordinal) is var r and >= 0 ? role.IndexOf(':', r + 6) : -1;
                roles.Add(cut < 0 ? (role, null) : (role[..cut], role[(cut + 1)..]));
                break;
            case "-h" or "--help": return Usage(null);
            default: return Usage($"unknown argument '{args[i]}'");
        }
    }
    catch (Exception e) when (e is FormatException or ArgumentException)
    {
        return Usage($"{args[i]}: {e.Message}");
    }
}

string? accessKey = Environment.GetEnvironmentVariable("SIOSR53_ACCESS_KEY_ID");
string? secretKey = Environment.GetEnvironmentVariable("SIOSR53_SECRET_ACCESS_KEY");
if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
    return Usage("set SIOSR53_ACCESS_KEY_ID and SIOSR53_SECRET_ACCESS_KEY to the keys the server accepts");

await using var server = await Route53CompatibleServer.StartAsync(new Route53ServerOptions
{
    HttpEndpoint = listen,
    DnsEndpoint = dns,
    PropagationDelay = TimeSpan.FromSeconds(propagation),
    ControlToken = Environment.GetEnvironmentVariable("SIOSR53_CONTROL_TOKEN"),
});
server.Authenticator.AddKey(accessKey, secretKey);
foreach (var (arn, externalId) in roles) server.Authenticator.AddRole(arn, externalId);
server.Faults.Update(f => f with { RequestsPerSecond = rate });
foreach (var zone in zonesToCreate)
{
    var (created, _) = server.Zones.CreateZone(zone, "startup-" + zone, null, privateZone: true);
    Console.WriteLine($"zone {created.Name} {created.ShortId}");
}
Console.WriteLine($"listening {server.Endpoint}" + (server.DnsEndpoint is null ? "" : $" dns {server.DnsEndpoint}"));

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
try { await Task.Delay(Timeout.Infinite, stop.Token); }
catch (OperationCanceledException) { }
return 0;
