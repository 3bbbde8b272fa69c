using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using SiosRoute53.Aws;

namespace SiosRoute53.Route53;

/// <summary>Settings of one <see cref="Route53Client"/>.</summary>
public sealed record Route53ClientOptions
{
    public Uri Endpoint { get; init; } = AwsAccessOptions.DefaultEndpoint;
    public string Region { get; init; } = AwsAccessOptions.DefaultRegion;
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public RetryPolicy Retry { get; init; } = new();

    /// <summary>Requests per second for the whole process towards this endpoint; 0 turns the budget off.</summary>
    public double RequestsPerSecond { get; init; } = 5;

    /// <summary>Receives one line per API call and per retry, for -Verbose and the event history.</summary>
    public Action<string>? Log { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public static Route53ClientOptions From(AwsAccessOptions access, Action<string>? log = null)
    {
        var endpoint = access.ResolvedEndpoint;
        log?.Invoke($"Route 53 endpoint {endpoint.Url} (from {endpoint.Source}).");
        return new()
        {
            Endpoint = endpoint.Url,
            Region = access.EffectiveRegion,
            RequestTimeout = access.RequestTimeout,
            Retry = new RetryPolicy { MaxAttempts = Math.Max(1, access.MaxAttempts), MaxDelay = access.MaxRetryDelay },
            Log = log,
        };
    }
}

/// <summary>
/// Route 53 over REST-XML with Signature Version 4. Retries throttling, PriorRequestNotComplete, 5xx and
/// transport failures with capped, jittered backoff (<see cref="RetryPolicy"/>, the only retry layer); a Throttling
/// answer slows the node's whole budget; every attempt has a timeout; everything honours cancellation.
/// </summary>
public sealed class Route53Client : IRoute53Client, IDisposable
{
    private const string Service = "route53";
    private static readonly HttpClient SharedHttp = CreateHttpClient();
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ICredentialSource _credentials;
    private readonly Route53ClientOptions _options;
    private readonly RequestBudget? _budget;
    private readonly Random _jitter = new();
    private long _calls;

    public Route53Client(ICredentialSource credentials, Route53ClientOptions options, HttpMessageHandler? handler = null)
    {
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (!options.Endpoint.IsAbsoluteUri || (options.Endpoint.Scheme != "http" && options.Endpoint.Scheme != "https"))
            throw new ArgumentException($"Endpoint '{options.Endpoint}' is not an http or https URL.", nameof(options));
        if (handler is null) _http = SharedHttp;
        else
        {
            _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
            _ownsHttp = true;
        }
        _budget = options.RequestsPerSecond > 0 ? RequestBudget.For(options.Endpoint, options.RequestsPerSecond, options.Time) : null;
    }

    public long CallCount => Interlocked.Read(ref _calls);

    public Uri Endpoint => _options.Endpoint;

    /// <summary>The Date of the last answer, to measure the node's clock skew (SigV4 allows 15 minutes).</summary>
    public DateTimeOffset? LastServerTime { get; private set; }

    /// <summary>Where the keys come from (never the keys).</summary>
    public string CredentialsDescription => _credentials.Description;

    private static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = true,
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    public async Task<HostedZonePage> ListHostedZonesAsync(string? marker = null, int? maxItems = null, CancellationToken cancellationToken = default)
    {
        var doc = await SendAsync("ListHostedZones", HttpMethod.Get, "/hostedzone",
            Query(("marker", marker), ("maxitems", maxItems?.ToString(CultureInfo.InvariantCulture))), null, cancellationToken).ConfigureAwait(false);
        return Route53Xml.ParseListHostedZones(doc);
    }

    public async Task<HostedZonesByNamePage> ListHostedZonesByNameAsync(string? dnsName = null, string? hostedZoneId = null, int? maxItems = null, CancellationToken cancellationToken = default)
    {
        var doc = await SendAsync("ListHostedZonesByName", HttpMethod.Get, "/hostedzonesbyname",
            Query(("dnsname", dnsName), ("hostedzoneid", hostedZoneId is null ? null : Route53Ids.BareZoneId(hostedZoneId)),
                ("maxitems", maxItems?.ToString(CultureInfo.InvariantCulture))), null, cancellationToken).ConfigureAwait(false);
        return Route53Xml.ParseListHostedZonesByName(doc);
    }

    public async Task<HostedZone> GetHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default)
    {
        var doc = await SendAsync("GetHostedZone", HttpMethod.Get, "/hostedzone/" + ZonePath(hostedZoneId), "", null, cancellationToken).ConfigureAwait(false);
        var zone = Route53Xml.Root(doc, "GetHostedZoneResponse").Element(Route53Xml.Ns + "HostedZone")
            ?? throw new FormatException("GetHostedZoneResponse has no HostedZone.");
        return Route53Xml.ParseHostedZone(zone);
    }

    public async Task<RecordSetPage> ListResourceRecordSetsAsync(string hostedZoneId, string? startRecordName = null, string? startRecordType = null,
        string? startRecordIdentifier = null, int? maxItems = null, CancellationToken cancellationToken = default)
    {
        if (startRecordType is not null && startRecordName is null)
            throw new ArgumentException("A start record type needs a start record name too.", nameof(startRecordType));
        var doc = await SendAsync("ListResourceRecordSets", HttpMethod.Get, $"/hostedzone/{ZonePath(hostedZoneId)}/rrset",
            Query(("identifier", startRecordIdentifier), ("maxitems", maxItems?.ToString(CultureInfo.InvariantCulture)),
                ("name", startRecordName), ("type", startRecordType)), null, cancellationToken).ConfigureAwait(false);
        return Route53Xml.ParseListRecordSets(doc);
    }

    public async Task<ChangeInfo> ChangeResourceRecordSetsAsync(string hostedZoneId, IReadOnlyList<Change> changes, string? comment = null, CancellationToken cancellationToken = default)
    {
        if (changes is null || changes.Count == 0) throw new ArgumentException("A change batch needs at least one change.", nameof(changes));
        var body = Route53Xml.ChangeBatchRequest(changes, comment);
        var doc = await SendAsync("ChangeResourceRecordSets", HttpMethod.Post, $"/hostedzone/{ZonePath(hostedZoneId)}/rrset/", "", body, cancellationToken).ConfigureAwait(false);
        return ChangeInfoOf(doc, "ChangeResourceRecordSetsResponse");
    }

    public async Task<ChangeInfo> GetChangeAsync(string changeId, CancellationToken cancellationToken = default)
    {
        string id = Route53Ids.BareChangeId(changeId);
        if (id.Length == 0 || id.Contains('/')) throw new ArgumentException($"Change id '{changeId}' is not a Route 53 change id (C… or /change/C…).", nameof(changeId));
        var doc = await SendAsync("GetChange", HttpMethod.Get, "/change/" + Uri.EscapeDataString(id), "", null, cancellationToken).ConfigureAwait(false);
        return ChangeInfoOf(doc, "GetChangeResponse");
    }

    public async Task<(HostedZone Zone, ChangeInfo Change)> CreateHostedZoneAsync(string name, string callerReference, string? comment = null, bool privateZone = false, CancellationToken cancellationToken = default)
    {
        var body = Route53Xml.CreateHostedZoneRequest(name, callerReference, comment, privateZone);
        var doc = await SendAsync("CreateHostedZone", HttpMethod.Post, "/hostedzone", "", body, cancellationToken).ConfigureAwait(false);
        var root = Route53Xml.Root(doc, "CreateHostedZoneResponse");
        return (Route53Xml.ParseHostedZone(root.Element(Route53Xml.Ns + "HostedZone")!),
                Route53Xml.ParseChangeInfo(root.Element(Route53Xml.Ns + "ChangeInfo")!));
    }

    public async Task<ChangeInfo> DeleteHostedZoneAsync(string hostedZoneId, CancellationToken cancellationToken = default)
    {
        var doc = await SendAsync("DeleteHostedZone", HttpMethod.Delete, "/hostedzone/" + ZonePath(hostedZoneId), "", null, cancellationToken).ConfigureAwait(false);
        return ChangeInfoOf(doc, "DeleteHostedZoneResponse");
    }

    private static ChangeInfo ChangeInfoOf(XDocument doc, string root) =>
        Route53Xml.ParseChangeInfo(Route53Xml.Root(doc, root).Element(Route53Xml.Ns + "ChangeInfo")
            ?? throw new FormatException($"{root} has no ChangeInfo."));

    private static string ZonePath(string hostedZoneId)
    {
        string id = Route53Ids.BareZoneId(hostedZoneId ?? "");
        if (id.Length == 0 || id.Length > 32 || id.Contains('/'))
            throw new ArgumentException($"Hosted zone id '{hostedZoneId}' is not a Route 53 zone id (Z… or /hostedzone/Z…).", nameof(hostedZoneId));
        return Uri.EscapeDataString(id);
    }

    private static string Query(params (string Key, string? Value)[] pairs) =>
        string.Join('&', pairs.Where(p => p.Value is not null)
            .Select(p => SigV4Signer.UriEncode(p.Key) + "=" + SigV4Signer.UriEncode(p.Value!)));

    private async Task<XDocument> SendAsync(string operation, HttpMethod method, string resource, string query, XDocument? body, CancellationToken cancellationToken)
    {
        byte[] payload = body is null ? Array.Empty<byte>() : Encoding.UTF8.GetBytes(body.Declaration + body.ToString(SaveOptions.DisableFormatting));
        string basePath = _options.Endpoint.AbsolutePath.TrimEnd('/');
        string path = basePath + "/" + Route53Xml.ApiVersion + resource;
        for (int attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await SendOnceAsync(operation, method, path, query, payload, cancellationToken).ConfigureAwait(false);
            }
            catch (Route53Exception ex) when (_options.Retry.Retries(operation, ex, attempt))
            {
                var delay = _options.Retry.DelayAfter(attempt, _jitter);
                _options.Log?.Invoke($"Route 53 {operation}: {ex.Code} on attempt {attempt} of {_options.Retry.MaxAttempts}; retrying in {delay.TotalMilliseconds:0} ms.");
                await Task.Delay(delay, _options.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The node's request budget for this endpoint, or null when it is turned off.</summary>
    public RequestBudget? Budget => _budget;

    private async Task<XDocument> SendOnceAsync(string operation, HttpMethod method, string path, string query, byte[] payload, CancellationToken cancellationToken)
    {
        if (_budget is not null) await _budget.AcquireAsync(cancellationToken).ConfigureAwait(false);
        var keys = await _credentials.GetKeysAsync(cancellationToken).ConfigureAwait(false);

        var uri = new UriBuilder(_options.Endpoint) { Path = path, Query = query }.Uri;
        string host = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        var signing = new SigningRequest
        {
            Method = method.Method,
            Path = path,
            Query = query,
            Headers = { new("Host", host) },
            Body = payload,
        };
        if (payload.Length > 0) signing.Headers.Add(new("Content-Type", "text/xml"));
        var signature = SigV4Signer.Sign(signing, keys, _options.Region, Service, _options.Time.GetUtcNow());

        using var request = new HttpRequestMessage(method, uri);
        foreach (var (name, value) in signing.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) continue;
            request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("SiosRoute53", typeof(Route53Client).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (payload.Length > 0)
        {
            request.Content = new ByteArrayContent(payload);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/xml");
        }

        Interlocked.Increment(ref _calls);
        _options.Log?.Invoke($"Route 53 {operation}: {method.Method} {uri.GetLeftPart(UriPartial.Path)}{(query.Length > 0 ? "?" + query : "")}");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage response;
        string text;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new Route53TransportException(operation, "Timeout", $"no answer from {_options.Endpoint.Host} within {_options.RequestTimeout.TotalSeconds:0.#} s", null);
        }
        catch (HttpRequestException ex)
        {
            throw new Route53TransportException(operation, "Transport", $"{ex.Message} ({_options.Endpoint.Host})", ex);
        }
        catch (IOException ex)
        {
            throw new Route53TransportException(operation, "Transport", $"{ex.Message} ({_options.Endpoint.Host})", ex);
        }

        using (response)
        {
            if (response.Headers.Date is { } date) LastServerTime = date;
            string? requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
            XDocument? doc = null;
            if (text.Length > 0)
            {
                try { doc = XDocument.Parse(text); }
                catch (XmlException) { doc = null; }
            }
            if (response.IsSuccessStatusCode)
            {
                return doc ?? throw new Route53TransportException(operation, "MalformedResponse",
                    $"HTTP {(int)response.StatusCode} with a body that is not XML", null);
            }
            var error = doc is null ? null : Route53Xml.ParseError(doc);
            if (error is { } e)
            {
                var failure = Route53Exception.FromError(operation, e.Code, e.Message, e.Messages, e.RequestId ?? requestId, response.StatusCode);
                // The whole node slows down at once, not only this call's next attempt.
                if (failure is ThrottlingException) _budget?.NoteThrottled();
                throw failure;
            }
            string code = (int)response.StatusCode >= 500 ? "ServiceUnavailable" : "HttpError";
            throw Route53Exception.FromError(operation, code, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", Array.Empty<string>(), requestId, response.StatusCode);
        }
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
