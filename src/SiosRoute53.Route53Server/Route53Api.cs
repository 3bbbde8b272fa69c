using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SiosRoute53.Aws;
using SiosRoute53.Route53;

namespace SiosRoute53.Route53Server;

/// <summary>The Route 53 REST-XML API over HTTP: routing, authentication, limits and faults, then the zone store.</summary>
internal sealed class Route53Api
{
    // Route 53 limits a request by its records and characters (ChangeBatchRules), not by bytes; this only keeps a
    // runaway client from filling memory, far above the largest batch Route 53 accepts.
    private const int MaxBodyBytes = 1024 * 1024;
    private readonly ZoneStore _zones;
    private readonly ServerFaults _faults;
    private readonly RequestAuthenticator _auth;
    private readonly TimeProvider _time;
    private readonly Queue<long> _recent = new();
    private long _requests;

    public Route53Api(ZoneStore zones, ServerFaults faults, RequestAuthenticator auth, TimeProvider time)
    {
        (_zones, _faults, _auth, _time) = (zones, faults, auth, time);
    }

    public long RequestCount => Interlocked.Read(ref _requests);

    public RequestCounters Counters { get; } = new();

    public async Task HandleAsync(HttpContext context)
    {
        string requestId = Guid.NewGuid().ToString();
        context.Response.Headers["x-amzn-RequestId"] = requestId;
        Interlocked.Increment(ref _requests);
        var faults = _faults.Current;
        string? operation = null;
        try
        {
            if (faults.Latency > TimeSpan.Zero) await Task.Delay(faults.Latency, context.RequestAborted);
            if (faults.DropRate > 0 && Random.Shared.NextDouble() < faults.DropRate)
            {
                context.Abort();
                return;
            }

            var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
            int q = raw.IndexOf('?');
            string path = q < 0 ? raw : raw[..q];
            string query = q < 0 ? "" : raw[(q + 1)..];
            var body = await ReadBodyAsync(context.Request, context.RequestAborted);
            if (path == "/" && HttpMethods.IsPost(context.Request.Method))
            {
                await StsAsync(context, query, body, requestId);
                return;
            }
            var (op, handler) = Route(context.Request.Method, path);
            operation = op;
            Counters.Request(operation);

            var signing = new SigningRequest
            {
                Method = context.Request.Method,
                Path = path,
                Query = query,
                Body = body,
            };
            foreach (var header in context.Request.Headers)
                foreach (var value in header.Value)
                    signing.Headers.Add(new(header.Key, value ?? ""));
            _auth.Verify(signing, operation);

            if (faults.Outage)
                throw new ApiError(HttpStatusCode.ServiceUnavailable, ErrorCodes.ServiceUnavailable, "Service is unavailable (injected outage).");
            if (_faults.ConsumeStorm() || OverRate(faults.RequestsPerSecond))
                throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.Throttling, "Rate exceeded");
            if (faults.ServerErrorRate > 0 && Random.Shared.NextDouble() < faults.ServerErrorRate)
                throw new ApiError(HttpStatusCode.InternalServerError, ErrorCodes.InternalFailure, "An internal error occurred (injected).");

            var (status, doc) = handler(new ApiRequest(path, ParseQuery(query), body, faults, context));
            await WriteAsync(context, status, doc);
        }
        catch (ApiError e)
        {
            // Every error, a refused change batch included, in Route 53's ErrorResponse form.
            if (operation is not null) Counters.Refused(operation, e.Code);
            await WriteAsync(context, e.Status, Route53Xml.ErrorResponse(e.Code, e.Message, requestId, (int)e.Status < 500));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
    }

    private static readonly XNamespace Sts = "https://sts.amazonaws.com/doc/2011-06-15/";

    /// <summary>
    /// STS's AssumeRole (query protocol, form-encoded POST), so that -RoleArn can be tested end to end: the caller's
    /// signature is verified for service "sts", and the temporary keys it gets are accepted for Route 53 afterwards.
    /// </summary>
    private async Task StsAsync(HttpContext context, string query, byte[] body, string requestId)
    {
        var form = ParseQuery(Encoding.UTF8.GetString(body).Replace("+", "%20"));
        foreach (var (k, v) in ParseQuery(query)) form.TryAdd(k, v);
        var signing = new SigningRequest { Method = "POST", Path = "/", Query = query, Body = body };
        foreach (var header in context.Request.Headers)
            foreach (var value in header.Value)
                signing.Headers.Add(new(header.Key, value ?? ""));
        XDocument doc;
        string? operation = null;
        try
        {
            form.TryGetValue("Action", out var action);
            operation = "sts:" + action;
            Counters.Request(operation);
            _auth.Verify(signing, action ?? "", "sts");
            if (action != "AssumeRole") throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.InvalidAction, $"Could not find operation {action} for version 2011-06-15");
            if (!form.TryGetValue("RoleArn", out var role) || !form.TryGetValue("RoleSessionName", out var session))
                throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.MissingParameter, "RoleArn and RoleSessionName are required.");
            form.TryGetValue("ExternalId", out var externalId);
            var (id, secret, token, expiration) = _auth.AssumeRole(role, externalId, RequestAuthenticator.AccessKeyOf(signing) ?? "?");
            doc = new XDocument(new XElement(Sts + "AssumeRoleResponse",
                new XElement(Sts + "AssumeRoleResult",
                    new XElement(Sts + "Credentials",
                        new XElement(Sts + "AccessKeyId", id),
                        new XElement(Sts + "SecretAccessKey", secret),
                        new XElement(Sts + "SessionToken", token),
                        new XElement(Sts + "Expiration", expiration.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))),
                    new XElement(Sts + "AssumedRoleUser",
                        new XElement(Sts + "AssumedRoleId", "AROA" + id[4..] + ":" + session),
                        new XElement(Sts + "Arn", role.Replace(":iam::", ":sts::").Replace(":role/", ":assumed-role/") + "/" + session))),
                new XElement(Sts + "ResponseMetadata", new XElement(Sts + "RequestId", requestId))));
            context.Response.StatusCode = 200;
        }
        catch (ApiError e)
        {
            if (operation is not null) Counters.Refused(operation, e.Code);
            doc = new XDocument(new XElement(Sts + "ErrorResponse",
                new XElement(Sts + "Error", new XElement(Sts + "Type", "Sender"), new XElement(Sts + "Code", e.Code), new XElement(Sts + "Message", e.Message)),
                new XElement(Sts + "RequestId", requestId)));
            context.Response.StatusCode = (int)e.Status;
        }
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync(doc.ToString(SaveOptions.DisableFormatting));
    }

    private bool OverRate(double perSecond)
    {
        if (perSecond <= 0) return false;
        long now = _time.GetTimestamp();
        lock (_recent)
        {
            while (_recent.Count > 0 && _time.GetElapsedTime(_recent.Peek(), now) >= TimeSpan.FromSeconds(1)) _recent.Dequeue();
            if (_recent.Count >= perSecond) return true;
            _recent.Enqueue(now);
            return false;
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            throw InvalidInput($"The request body is larger than {MaxBodyBytes} bytes.");
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                throw InvalidInput($"The request body is larger than {MaxBodyBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static async Task WriteAsync(HttpContext context, HttpStatusCode status, XDocument doc)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "text/xml";
        var bytes = Encoding.UTF8.GetBytes(doc.Declaration + doc.ToString(SaveOptions.DisableFormatting));
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes);
    }

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string key = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            string value = Uri.UnescapeDataString(eq < 0 ? "" : part[(eq + 1)..].Replace('+', ' '));
            result[key] = value;
        }
        return result;
    }

    private sealed record ApiRequest(string Path, Dictionary<string, string> Query, byte[] Body, FaultSnapshot Faults, HttpContext Context)
    {
        public XDocument BodyXml()
        {
            try { return XDocument.Parse(Encoding.UTF8.GetString(Body)); }
            catch (XmlException e) { throw InvalidInput($"The XML request body is malformed: {e.Message}"); }
        }
    }

    private static ApiError InvalidInput(string message) => new(HttpStatusCode.BadRequest, ErrorCodes.InvalidInput, message);

    private (string Operation, Func<ApiRequest, (HttpStatusCode, XDocument)> Handler) Route(string method, string path)
    {
        string prefix = "/" + Route53Xml.ApiVersion + "/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
            throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.InvalidAction, $"No operation at {path}; paths start with {prefix}.");
        var parts = path[prefix.Length..].TrimEnd('/').Split('/');
        return (method, parts) switch
        {
            ("GET", ["hostedzone"]) => ("ListHostedZones", ListHostedZones),
            ("POST", ["hostedzone"]) => ("CreateHostedZone", CreateHostedZone),
            ("GET", ["hostedzonesbyname"]) => ("ListHostedZonesByName", ListHostedZonesByName),
            ("GET", ["hostedzone", var id]) => ("GetHostedZone", _ => GetHostedZone(Unescape(id))),
            ("DELETE", ["hostedzone", var id]) => ("DeleteHostedZone", _ => DeleteHostedZone(Unescape(id))),
            ("GET", ["hostedzone", var id, "rrset"]) => ("ListResourceRecordSets", r => ListRecordSets(Unescape(id), r)),
            ("POST", ["hostedzone", var id, "rrset"]) => ("ChangeResourceRecordSets", r => ChangeRecordSets(Unescape(id), r)),
            ("GET", ["change", var id]) => ("GetChange", _ => GetChange(Unescape(id))),
            _ => throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.InvalidAction, $"No operation for {method} {path}."),
        };
    }

    private static string Unescape(string segment) => Uri.UnescapeDataString(segment);

    /// <summary>How many items to return (at most <paramref name="limit"/>), and the MaxItems to echo: the request's own value.</summary>
    private static (int Take, string Echo) MaxItems(ApiRequest r, int fallback, int limit)
    {
        if (!r.Query.TryGetValue("maxitems", out var text)) return (fallback, fallback.ToString(CultureInfo.InvariantCulture));
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            throw InvalidInput($"maxitems '{text}' is not a positive whole number.");
        return (Math.Min(n, limit), text);
    }

    private static XElement DelegationSet() =>
        Route53Xml.Element("DelegationSet",
            Route53Xml.Element("NameServers", ZoneStore.NameServers.Select(ns => Route53Xml.Element("NameServer", ns))));

    private static XElement VpcElement(ZoneVpc vpc) =>
        Route53Xml.Element("VPC", new object[] { Route53Xml.Element("VPCRegion", vpc.VpcRegion), Route53Xml.Element("VPCId", vpc.VpcId) });

    private (HttpStatusCode, XDocument) ListHostedZones(ApiRequest r)
    {
        var (max, echo) = MaxItems(r, 100, 100);
        var zones = _zones.Zones().ToList();
        int start = 0;
        if (r.Query.TryGetValue("marker", out var marker))
        {
            start = zones.FindIndex(z => z.ShortId.Equals(marker, StringComparison.OrdinalIgnoreCase));
            if (start < 0) throw InvalidInput($"marker '{marker}' is not a hosted zone id in this listing.");
        }
        var page = zones.Skip(start).Take(max).ToList();
        bool truncated = start + max < zones.Count;
        return (HttpStatusCode.OK, Route53Xml.Response("ListHostedZonesResponse",
            Route53Xml.Element("HostedZones", page.Select(Route53Xml.HostedZoneElement)),
            Route53Xml.Element("Marker", marker ?? ""),
            Route53Xml.Element("IsTruncated", truncated ? "true" : "false"),
            truncated ? Route53Xml.Element("NextMarker", zones[start + max].ShortId) : null,
            Route53Xml.Element("MaxItems", echo)));
    }

    private (HttpStatusCode, XDocument) ListHostedZonesByName(ApiRequest r)
    {
        var (max, echo) = MaxItems(r, 100, 100);
        r.Query.TryGetValue("dnsname", out var dnsName);
        r.Query.TryGetValue("hostedzoneid", out var zoneId);
        if (zoneId is not null && dnsName is null)
            throw InvalidInput("hostedzoneid requires dnsname.");
        var zones = _zones.Zones()
            .OrderBy(z => z.Name, Route53Names.ListingOrder)
            .ThenBy(z => z.ShortId, StringComparer.Ordinal).ToList();
        int start = 0;
        if (dnsName is not null)
        {
            string n = Route53Names.TryCanonical(dnsName, out var problem)
                ?? throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.InvalidDomainName, $"dnsname '{dnsName}' is not a valid domain name: {problem}.");
            start = zones.FindIndex(z => Route53Names.CompareForListing(z.Name, n) > 0
                || (z.Name == n && (zoneId is null || string.CompareOrdinal(z.ShortId, Route53Ids.BareZoneId(zoneId)) >= 0)));
            if (start < 0) start = zones.Count;
        }
        var page = zones.Skip(start).Take(max).ToList();
        bool truncated = start + max < zones.Count;
        return (HttpStatusCode.OK, Route53Xml.Response("ListHostedZonesByNameResponse",
            Route53Xml.Element("HostedZones", page.Select(Route53Xml.HostedZoneElement)),
            dnsName is null ? null : Route53Xml.Element("DNSName", dnsName),
            zoneId is null ? null : Route53Xml.Element("HostedZoneId", zoneId),
            Route53Xml.Element("IsTruncated", truncated ? "true" : "false"),
            truncated ? Route53Xml.Element("NextDNSName", zones[start + max].Name) : null,
            truncated ? Route53Xml.Element("NextHostedZoneId", zones[start + max].ShortId) : null,
            Route53Xml.Element("MaxItems", echo)));
    }

    /// <summary>A public zone answers with its delegation set; a private one with its VPCs and no delegation set.</summary>
    private (HttpStatusCode, XDocument) GetHostedZone(string id)
    {
        var zone = _zones.GetZone(id);
        var vpc = _zones.VpcOf(id);
        return (HttpStatusCode.OK, Route53Xml.Response("GetHostedZoneResponse",
            Route53Xml.HostedZoneElement(zone),
            vpc is null ? DelegationSet() : Route53Xml.Element("VPCs", VpcElement(vpc))));
    }

    private static readonly Regex VpcIdPattern = new("^vpc-[0-9a-f]{8,17}$", RegexOptions.CultureInvariant);

    /// <summary>
    /// CreateHostedZone: a zone is private when the request names a VPC; PrivateZone without a VPC is refused.
    /// Answers 201 with a Location header, and the delegation set (public) or the VPC (private).
    /// </summary>
    private (HttpStatusCode, XDocument) CreateHostedZone(ApiRequest r)
    {
        var root = r.BodyXml().Root;
        if (root is null || root.Name != Route53Xml.Ns + "CreateHostedZoneRequest")
            throw InvalidInput($"The request body is not a CreateHostedZoneRequest in namespace {Route53Xml.Ns}.");
        string name = (string?)root.Element(Route53Xml.Ns + "Name") ?? throw InvalidInput("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
        string callerReference = (string?)root.Element(Route53Xml.Ns + "CallerReference")
            ?? throw InvalidInput("1 validation error detected: Value null at 'callerReference' failed to satisfy constraint: Member must not be null");
        if (callerReference.Length is 0 or > 128)
            throw InvalidInput($"1 validation error detected: Value '{callerReference}' at 'callerReference' failed to satisfy constraint: Member must have length between 1 and 128");
        var config = root.Element(Route53Xml.Ns + "HostedZoneConfig");
        string? comment = (string?)config?.Element(Route53Xml.Ns + "Comment");
        if (comment is { Length: > 256 })
            throw InvalidInput("1 validation error detected: Value at 'hostedZoneConfig.comment' failed to satisfy constraint: Member must have length less than or equal to 256");
        bool privateFlag = ((string?)config?.Element(Route53Xml.Ns + "PrivateZone"))?.Trim() == "true";
        ZoneVpc? vpc = null;
        if (root.Element(Route53Xml.Ns + "VPC") is { } vpcElement)
        {
            string? vpcId = (string?)vpcElement.Element(Route53Xml.Ns + "VPCId");
            string? region = (string?)vpcElement.Element(Route53Xml.Ns + "VPCRegion");
            if (vpcId is null || region is null)
                throw InvalidInput("When you associate a VPC with a hosted zone, give both VPCId and VPCRegion.");
            if (!VpcIdPattern.IsMatch(vpcId))
                throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.InvalidVPCId, $"The VPC ID '{vpcId}' is not valid: VPC ids look like vpc-0a1b2c3d4e5f60718.");
            if (region.Length is 0 or > 64)
                throw InvalidInput($"1 validation error detected: Value '{region}' at 'vPC.vPCRegion' failed to satisfy constraint: Member must have length between 1 and 64");
            vpc = new ZoneVpc(vpcId, region);
        }
        else if (privateFlag)
        {
            throw InvalidInput($"A private hosted zone needs a VPC: {name} has PrivateZone true but the request has no VPC element (VPCId and VPCRegion).");
        }

        var (zone, change) = _zones.CreateZone(name, callerReference, comment, vpc);
        var request = r.Context.Request;
        r.Context.Response.Headers.Location = $"{request.Scheme}://{request.Host}/{Route53Xml.ApiVersion}/hostedzone/{zone.ShortId}";
        return (HttpStatusCode.Created, Route53Xml.Response("CreateHostedZoneResponse",
            Route53Xml.HostedZoneElement(zone),
            Route53Xml.ChangeInfoElement(change),
            vpc is null ? DelegationSet() : VpcElement(vpc)));
    }

    private (HttpStatusCode, XDocument) DeleteHostedZone(string id) =>
        (HttpStatusCode.OK, Route53Xml.Response("DeleteHostedZoneResponse", Route53Xml.ChangeInfoElement(_zones.DeleteZone(id))));

    private (HttpStatusCode, XDocument) ListRecordSets(string id, ApiRequest r)
    {
        var (max, echo) = MaxItems(r, 300, 300);
        r.Query.TryGetValue("name", out var startName);
        r.Query.TryGetValue("type", out var startType);
        r.Query.TryGetValue("identifier", out var startIdentifier);
        if (startType is not null && startName is null)
            throw InvalidInput("The input is not valid: type requires name.");
        if (startType is not null && !ChangeBatchRules.RecordTypes.Contains(startType))
            throw InvalidInput($"1 validation error detected: Value '{startType}' at 'startRecordType' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", ChangeBatchRules.RecordTypes)}]");
        if (startIdentifier is not null && startType is null)
            throw InvalidInput("The input is not valid: identifier requires name and type.");
        var records = _zones.Records(id);
        int start = 0;
        if (startName is not null)
        {
            string n = Route53Names.TryCanonical(startName, out var problem)
                ?? throw InvalidInput($"name '{startName}' is not a valid domain name: {problem}.");
            start = records.ToList().FindIndex(rec =>
            {
                int byName = Route53Names.CompareForListing(rec.Name, n);
                if (byName != 0) return byName > 0;
                int byType = string.CompareOrdinal(rec.Type, startType ?? "");
                if (byType != 0) return byType > 0;
                return startIdentifier is null || string.CompareOrdinal(rec.SetIdentifier ?? "", startIdentifier) >= 0;
            });
            if (start < 0) start = records.Count;
        }
        var page = records.Skip(start).Take(max).ToList();
        bool truncated = start + max < records.Count;
        var next = truncated ? records[start + max] : null;
        return (HttpStatusCode.OK, Route53Xml.Response("ListResourceRecordSetsResponse",
            Route53Xml.Element("ResourceRecordSets", page.Select(RecordSetXml.Element)),
            Route53Xml.Element("IsTruncated", truncated ? "true" : "false"),
            next is null ? null : Route53Xml.Element("NextRecordName", next.Name),
            next is null ? null : Route53Xml.Element("NextRecordType", next.Type),
            next?.SetIdentifier is null ? null : Route53Xml.Element("NextRecordIdentifier", next.SetIdentifier),
            Route53Xml.Element("MaxItems", echo)));
    }

    private (HttpStatusCode, XDocument) ChangeRecordSets(string id, ApiRequest r)
    {
        var root = r.BodyXml().Root;
        var batch = root is not null && root.Name == Route53Xml.Ns + "ChangeResourceRecordSetsRequest" ? root.Element(Route53Xml.Ns + "ChangeBatch") : null;
        if (batch is null)
            throw InvalidInput($"The request body is not a ChangeResourceRecordSetsRequest with a ChangeBatch in namespace {Route53Xml.Ns}.");
        string? comment = (string?)batch.Element(Route53Xml.Ns + "Comment");
        if (comment is { Length: > 256 })
            throw InvalidInput("1 validation error detected: Value at 'changeBatch.comment' failed to satisfy constraint: Member must have length less than or equal to 256");
        var changes = new List<RecordChange>();
        try
        {
            foreach (var (c, i) in (batch.Element(Route53Xml.Ns + "Changes")?.Elements(Route53Xml.Ns + "Change") ?? Enumerable.Empty<XElement>()).Select((c, i) => (c, i + 1)))
            {
                string where = $"changeBatch.changes.{i}.member";
                string? action = (string?)c.Element(Route53Xml.Ns + "Action");
                if (!Enum.TryParse<ChangeAction>(action, ignoreCase: false, out var a) || !Enum.IsDefined(a))
                    throw new FormatException($"1 validation error detected: Value '{action}' at '{where}.action' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, DELETE, UPSERT]");
                var set = c.Element(Route53Xml.Ns + "ResourceRecordSet")
                    ?? throw new FormatException($"1 validation error detected: Value null at '{where}.resourceRecordSet' failed to satisfy constraint: Member must not be null");
                changes.Add(new RecordChange(a, RecordSetXml.Parse(set, where + ".resourceRecordSet")));
            }
        }
        catch (FormatException e) { throw InvalidInput(e.Message); }
        var info = _zones.Apply(id, changes, comment, r.Faults.PriorRequestWindow);
        return (HttpStatusCode.OK, Route53Xml.Response("ChangeResourceRecordSetsResponse", Route53Xml.ChangeInfoElement(info)));
    }

    private (HttpStatusCode, XDocument) GetChange(string id) =>
        (HttpStatusCode.OK, Route53Xml.Response("GetChangeResponse", Route53Xml.ChangeInfoElement(_zones.GetChange(id))));
}
