using System.Net;
using System.Text;
using System.Xml.Linq;
using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Platform;
using SiosRoute53.Route53;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Route53;

/// <summary>
/// One hosted zone behind Route 53's wire format, for what the Route 53-compatible server does not do yet: alias records
/// (AliasTarget kept, listed, and a DELETE must repeat it exactly) and names answered with Route 53's octal escapes
/// ("\052" for "*"), as real Route 53 answers them (API reference, DomainNameFormat). Changes are INSYNC at once.
/// Every ChangeResourceRecordSets body is kept, so a test can read exactly what the client sent.
/// </summary>
public sealed class Route53WireFake : HttpMessageHandler
{
    public const string ZoneId = "Z0FAKEZONE";
    public const string ZoneName = "corp.example.";
    private static readonly XNamespace Ns = Route53Xml.Ns;
    private readonly List<ResourceRecordSet> _sets = new();

    public List<XDocument> ChangeBodies { get; } = new();

    public IReadOnlyList<ResourceRecordSet> Sets
    {
        get { lock (_sets) return _sets.ToList(); }
    }

    /// <summary>Puts a record set in the zone behind the cluster's back, replacing one of the same name and type.</summary>
    public void Put(ResourceRecordSet set)
    {
        lock (_sets)
        {
            _sets.RemoveAll(s => DnsNames.Equal(s.Name, set.Name) && s.Type == set.Type);
            _sets.Add(set);
        }
    }

    /// <summary>Route 53's DomainNameFormat: every character outside a–z, 0–9, "-", "_" and the dots as \ooo.</summary>
    public static string Escape(string name)
    {
        var sb = new StringBuilder();
        foreach (char c in name)
            sb.Append(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.' ? c.ToString() : "\\" + Convert.ToString(c, 8).PadLeft(3, '0'));
        return sb.ToString();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string path = request.RequestUri!.AbsolutePath;
        var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query);
        if (request.Method == HttpMethod.Get && path == $"/2013-04-01/hostedzone/{ZoneId}/rrset")
            return Xml(HttpStatusCode.OK, List(query["name"], query["type"], int.TryParse(query["maxitems"], out var max) ? max : 300));
        if (request.Method == HttpMethod.Post && path == $"/2013-04-01/hostedzone/{ZoneId}/rrset/")
        {
            var body = XDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
            lock (_sets) ChangeBodies.Add(body);
            return Apply(Route53Xml.ParseChangeBatchRequest(body).Changes);
        }
        if (request.Method == HttpMethod.Get && path.StartsWith("/2013-04-01/change/", StringComparison.Ordinal))
            return Xml(HttpStatusCode.OK, Route53Xml.Response("GetChangeResponse",
                Route53Xml.ChangeInfoElement(new ChangeInfo(path["/2013-04-01/change/".Length..], ChangeStatus.INSYNC, DateTimeOffset.UtcNow, null))));
        return Xml(HttpStatusCode.BadRequest, Route53Xml.ErrorResponse("InvalidInput", $"the fake does not answer {request.Method} {path}", "fake", true));
    }

    private XDocument List(string? name, string? type, int max)
    {
        lock (_sets)
        {
            var sorted = _sets.OrderBy(s => s.Name, Comparer<string>.Create(DnsNames.CompareForListing)).ThenBy(s => s.Type, StringComparer.Ordinal).ToList();
            var from = name is null ? sorted : sorted.SkipWhile(s =>
            {
                int c = DnsNames.CompareForListing(s.Name, name);
                return c < 0 || (c == 0 && type is not null && string.CompareOrdinal(s.Type, type) < 0);
            }).ToList();
            var page = from.Take(max).ToList();
            var next = from.Skip(max).FirstOrDefault();
            return Route53Xml.Response("ListResourceRecordSetsResponse",
                new XElement(Ns + "ResourceRecordSets", page.Select(s =>
                {
                    var e = Route53Xml.RecordSetElement(s);
                    e.Element(Ns + "Name")!.Value = Escape(DnsNames.Normalize(s.Name));
                    return e;
                })),
                new XElement(Ns + "IsTruncated", next is null ? "false" : "true"),
                next is null ? null : new XElement(Ns + "NextRecordName", Escape(DnsNames.Normalize(next.Name))),
                next is null ? null : new XElement(Ns + "NextRecordType", next.Type),
                new XElement(Ns + "MaxItems", max));
        }
    }

    private HttpResponseMessage Apply(IReadOnlyList<Change> changes)
    {
        lock (_sets)
        {
            var next = _sets.ToList();
            var messages = new List<string>();
            foreach (var change in changes)
            {
                var same = next.FirstOrDefault(s => DnsNames.Equal(s.Name, change.RecordSet.Name) && s.Type == change.RecordSet.Type);
                switch (change.Action)
                {
                    case ChangeAction.DELETE when same is null || !same.MatchesExactly(change.RecordSet):
                        messages.Add($"Tried to delete resource record set [name='{Escape(DnsNames.Normalize(change.RecordSet.Name))}', type='{change.RecordSet.Type}'] but the values provided do not match the current values");
                        break;
                    case ChangeAction.DELETE:
                        next.Remove(same!);
                        break;
                    case ChangeAction.CREATE when same is not null:
                        messages.Add($"Tried to create resource record set [name='{Escape(DnsNames.Normalize(change.RecordSet.Name))}', type='{change.RecordSet.Type}'] but it already exists");
                        break;
                    default:
                        if (same is not null) next.Remove(same);
                        next.Add(change.RecordSet);
                        break;
                }
            }
            if (messages.Count > 0)
                return Xml(HttpStatusCode.BadRequest, Route53Xml.ErrorResponse("InvalidChangeBatch", "[" + string.Join(", ", messages) + "]", "fake", true));
            _sets.Clear();
            _sets.AddRange(next);
        }
        return Xml(HttpStatusCode.OK, Route53Xml.Response("ChangeResourceRecordSetsResponse",
            Route53Xml.ChangeInfoElement(new ChangeInfo("/change/C" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant(), ChangeStatus.PENDING, DateTimeOffset.UtcNow, null))));
    }

    private static HttpResponseMessage Xml(HttpStatusCode status, XDocument doc) => new(status)
    {
        Content = new StringContent(doc.Declaration + doc.ToString(SaveOptions.DisableFormatting), Encoding.UTF8, "text/xml"),
    };

    /// <summary>A client that talks to this fake (through the real client, signing and all).</summary>
    public Route53Client Client(Action<string>? log = null) =>
        new(new StaticCredentialSource(new AwsKeys("AKIDFAKE", "fake-secret")), new Route53ClientOptions
        {
            Endpoint = new Uri("http://route53.fake.invalid"),
            RequestsPerSecond = 0,
            Retry = new RetryPolicy { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
            Log = log,
        }, this);
}

/// <summary>A route53 resource and its ip resource on one node, and the kit contexts to act on them.</summary>
public sealed class KitHarness
{
    private sealed class OneAddress(string address) : INetworkInventory
    {
        public IReadOnlyList<InterfaceAddress> Addresses() => new[] { new InterfaceAddress("eth0", IPAddress.Parse(address), true, true) };
    }

    public KitHarness(Func<IRoute53Client> client, string record = "app.corp.example.", string node = "node1", string address = "10.0.1.10",
        string zoneId = Route53WireFake.ZoneId, string zoneName = Route53WireFake.ZoneName, string tunables = "")
    {
        Node = node;
        Address = address;
        Ip = new ResourceDefinition
        {
            Tag = "web-ip",
            Kind = ResourceKind.Ip,
            Nodes = new(StringComparer.OrdinalIgnoreCase) { [node] = new NodeInstance { Settings = new() { [SettingKeys.Address] = address } } },
        };
        Dns = new ResourceDefinition
        {
            Tag = "web-dns",
            Kind = ResourceKind.Route53,
            Settings = new()
            {
                [SettingKeys.HostedZoneId] = zoneId, [SettingKeys.ZoneName] = zoneName, [SettingKeys.RecordName] = record, [SettingKeys.IpResource] = "web-ip",
            },
            Nodes = new(StringComparer.OrdinalIgnoreCase) { [node] = new NodeInstance() },
        };
        string path = Path.Combine(Path.GetTempPath(), $"siosr53-kit-{Guid.NewGuid():N}");
        File.WriteAllText(path, "ROUTE53_CHANGEID_INTERVAL=1\nROUTE53_CHANGEID_TRY_COUNT=5\n" + tunables);
        try { Tunables = TunableSet.Load(path); }
        finally { File.Delete(path); }
        Environment = new KitEnvironment { Route53 = (access, t, log) => { LastAccess = access; return client(); }, Network = new OneAddress(address) };
    }

    public string Node { get; }
    public string Address { get; }
    public ResourceDefinition Ip { get; }
    public ResourceDefinition Dns { get; }
    public TunableSet Tunables { get; }
    public KitEnvironment Environment { get; }
    public AwsAccessOptions? LastAccess { get; private set; }
    public List<string> Log { get; } = new();

    public KitContext Context(bool force = false) => new()
    {
        Resource = Dns,
        NodeName = Node,
        ClusterName = "lab",
        Tunables = Tunables,
        Environment = Environment,
        Children = new Dictionary<string, ResourceDefinition>(StringComparer.OrdinalIgnoreCase) { ["web-ip"] = Ip },
        Force = force,
        Log = l => { lock (Log) Log.Add(l); },
    };
}
