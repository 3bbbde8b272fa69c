using System.Net;
using System.Text;
using System.Xml.Linq;
using SiosRoute53.Aws;
using SiosRoute53.Route53;

namespace SiosRoute53.Tests.Unit.Server.Conformance;

/// <summary>One answer of the server, as it came over the wire.</summary>
public sealed record RawResponse(string Operation, HttpStatusCode Status, XDocument? Xml, string Text, IReadOnlyDictionary<string, string> Headers)
{
    private static readonly XNamespace Ns = Route53Xml.Ns;

    public XElement Root => Xml?.Root ?? throw new InvalidOperationException($"{Operation} answered no XML: {Text}");

    public string? ErrorCode => (string?)Xml?.Root?.Element(Ns + "Error")?.Element(Ns + "Code");

    public string? ErrorMessage => (string?)Xml?.Root?.Element(Ns + "Error")?.Element(Ns + "Message");

    /// <summary>The values of every element with this local name, in document order.</summary>
    public IReadOnlyList<string> All(string localName) => Root.Descendants(Ns + localName).Select(e => e.Value).ToList();

    public string? One(string localName) => Root.Descendants(Ns + localName).Select(e => e.Value).FirstOrDefault();
}

/// <summary>
/// Signed REST-XML requests to the server without our client in between, so a test sees exactly what Route 53
/// would send. Every answer is checked against the API model: a success against the operation's output shape, an
/// error for the ErrorResponse form and a code the operation declares (or one of AWS's common errors).
/// </summary>
public sealed class RawApi : IDisposable
{
    public static readonly XNamespace Ns = Route53Xml.Ns;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Uri _endpoint;

    public RawApi(TestServer server) => _endpoint = server.Server.Endpoint;

    /// <summary>Output members the model requires but that Route 53 leaves out for this answer (a private zone's DelegationSet).</summary>
    public string[] AllowedMissing { get; set; } = Array.Empty<string>();

    public async Task<RawResponse> SendAsync(string operation, HttpMethod method, string path, string query = "", string? body = null)
    {
        var payload = body is null ? Array.Empty<byte>() : Encoding.UTF8.GetBytes(body);
        var signing = new SigningRequest
        {
            Method = method.Method,
            Path = path,
            Query = query,
            Headers = { new("Host", $"{_endpoint.Host}:{_endpoint.Port}") },
            Body = payload,
        };
        var signature = SigV4Signer.Sign(signing, new AwsKeys(TestServer.AccessKey, TestServer.SecretKey), "us-east-1", "route53", DateTimeOffset.UtcNow);
        using var request = new HttpRequestMessage(method, new UriBuilder(_endpoint) { Path = path, Query = query }.Uri);
        foreach (var (name, value) in signing.Headers.Where(h => !h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)))
            request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
        if (body is not null) request.Content = new ByteArrayContent(payload);
        using var response = await _http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        XDocument? xml = null;
        try { xml = text.Length == 0 ? null : XDocument.Parse(text); }
        catch (System.Xml.XmlException) { }
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var raw = new RawResponse(operation, response.StatusCode, xml, text, headers);
        CheckAgainstModel(raw);
        return raw;
    }

    public void Dispose() => _http.Dispose();

    private void CheckAgainstModel(RawResponse r)
    {
        Assert.True(r.Xml is not null, $"{r.Operation} answered {(int)r.Status} without an XML body: {r.Text}");
        if ((int)r.Status < 300)
        {
            var problems = ApiModel.Route53.CheckOutput(r.Operation, r.Xml!, AllowedMissing);
            Assert.True(problems.Count == 0, $"{r.Operation}'s answer differs from the API model:\n{string.Join("\n", problems)}\n{r.Text}");
            return;
        }
        // The error form Route 53 (and every REST-XML AWS API) uses, which botocore reads the code from.
        Assert.Equal(Ns + "ErrorResponse", r.Root.Name);
        var error = r.Root.Element(Ns + "Error");
        Assert.NotNull(error);
        Assert.Equal((int)r.Status >= 500 ? "Receiver" : "Sender", (string?)error.Element(Ns + "Type"));
        Assert.False(string.IsNullOrEmpty(r.ErrorCode), $"no Code in {r.Text}");
        Assert.NotNull(error.Element(Ns + "Message"));
        Assert.False(string.IsNullOrEmpty((string?)r.Root.Element(Ns + "RequestId")), $"no RequestId in {r.Text}");
        var declared = ApiModel.Route53.ErrorsOf(r.Operation);
        Assert.True(declared.Contains(r.ErrorCode!) || ApiModel.CommonErrors.Contains(r.ErrorCode!),
            $"{r.Operation} answered {r.ErrorCode}, which is neither one of its errors in the API model ({string.Join(", ", declared)}) nor a common AWS error");
        if (declared.Contains(r.ErrorCode!))
            Assert.Equal(ApiModel.Route53.StatusOf(r.ErrorCode!), (int)r.Status);
    }

    // ---- requests --------------------------------------------------------------------------------------------

    private static string Path(string tail) => "/" + Route53Xml.ApiVersion + "/" + tail;

    public Task<RawResponse> ChangeAsync(string zoneId, params string[] changes) =>
        SendAsync("ChangeResourceRecordSets", HttpMethod.Post, Path($"hostedzone/{Route53Ids.BareZoneId(zoneId)}/rrset/"),
            body: $"""<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest xmlns="{Ns}"><ChangeBatch><Changes>{string.Concat(changes)}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>""");

    public Task<RawResponse> ListAsync(string zoneId, string query = "") =>
        SendAsync("ListResourceRecordSets", HttpMethod.Get, Path($"hostedzone/{Route53Ids.BareZoneId(zoneId)}/rrset"), query);

    public Task<RawResponse> CreateZoneAsync(string name, string innerXml = "") =>
        SendAsync("CreateHostedZone", HttpMethod.Post, Path("hostedzone"),
            body: $"""<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="{Ns}"><Name>{name}</Name><CallerReference>{Guid.NewGuid()}</CallerReference>{innerXml}</CreateHostedZoneRequest>""");

    public Task<RawResponse> GetZoneAsync(string zoneId) =>
        SendAsync("GetHostedZone", HttpMethod.Get, Path($"hostedzone/{Route53Ids.BareZoneId(zoneId)}"));

    public Task<RawResponse> ListZonesAsync(string query = "") => SendAsync("ListHostedZones", HttpMethod.Get, Path("hostedzone"), query);

    public Task<RawResponse> ListZonesByNameAsync(string query = "") => SendAsync("ListHostedZonesByName", HttpMethod.Get, Path("hostedzonesbyname"), query);

    public Task<RawResponse> GetChangeAsync(string changeId) =>
        SendAsync("GetChange", HttpMethod.Get, Path($"change/{Route53Ids.BareChangeId(changeId)}"));

    // ---- request bodies ----------------------------------------------------------------------------------------

    /// <summary>A Change element; <paramref name="set"/> is the ResourceRecordSet's inner XML.</summary>
    public static string Change(string action, string set) => $"<Change><Action>{action}</Action><ResourceRecordSet>{set}</ResourceRecordSet></Change>";

    /// <summary>The inner XML of a record set with a TTL and values, plus any routing-policy elements.</summary>
    public static string Set(string name, string type, long ttl, IEnumerable<string> values, string policy = "") =>
        $"<Name>{Escape(name)}</Name><Type>{type}</Type>{policy}<TTL>{ttl}</TTL><ResourceRecords>{string.Concat(values.Select(v => $"<ResourceRecord><Value>{Escape(v)}</Value></ResourceRecord>"))}</ResourceRecords>";

    public static string Set(string name, string type, long ttl, params string[] values) => Set(name, type, ttl, (IEnumerable<string>)values);

    public static string Alias(string name, string type, string zoneId, string target, bool evaluate = false) =>
        $"<Name>{Escape(name)}</Name><Type>{type}</Type><AliasTarget><HostedZoneId>{zoneId}</HostedZoneId><DNSName>{Escape(target)}</DNSName><EvaluateTargetHealth>{(evaluate ? "true" : "false")}</EvaluateTargetHealth></AliasTarget>";

    private static string Escape(string text) => new XText(text).ToString();
}
