using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SiosRoute53.Aws;

/// <summary>A request as the signer sees it: what goes on the wire, before signing.</summary>
public sealed class SigningRequest
{
    public required string Method { get; init; }

    /// <summary>The path as sent on the wire (already percent-encoded where needed).</summary>
    public required string Path { get; init; }

    /// <summary>The query string as sent, without the leading '?'.</summary>
    public string Query { get; init; } = "";

    /// <summary>Headers in the order given; a name may repeat.</summary>
    public List<KeyValuePair<string, string>> Headers { get; init; } = new();

    public byte[] Body { get; init; } = Array.Empty<byte>();
}

/// <summary>Everything one signature produced, kept so tests and the server can compare each stage.</summary>
public sealed record SigningResult(
    string CanonicalRequest,
    string StringToSign,
    string Signature,
    string SignedHeaders,
    string Authorization,
    string AmzDate);

/// <summary>Options that differ between services and between the test vectors.</summary>
public sealed record SigningOptions
{
    /// <summary>Remove '.' and '..' segments and repeated slashes from the path (every service but S3).</summary>
    public bool NormalizePath { get; init; } = true;

    /// <summary>Add an x-amz-content-sha256 header carrying the payload hash.</summary>
    public bool SignBodyHeader { get; init; }

    /// <summary>Add the session token after signing instead of signing it (some services want that).</summary>
    public bool OmitSessionTokenFromSignature { get; init; }
}

/// <summary>AWS Signature Version 4, header form.</summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    private static readonly string EmptyHash = Hex(SHA256.HashData(Array.Empty<byte>()));

    /// <summary>
    /// Signs <paramref name="request"/>: adds X-Amz-Date (and the security token where there is one) to its
    /// headers and returns the Authorization value with every intermediate string.
    /// </summary>
    public static SigningResult Sign(
        SigningRequest request, AwsKeys keys, string region, string service, DateTimeOffset now,
        SigningOptions? options = null)
    {
        options ??= new SigningOptions();
        string amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string payloadHash = Hex(SHA256.HashData(request.Body));

        request.Headers.RemoveAll(h => h.Key.Equals("X-Amz-Date", StringComparison.OrdinalIgnoreCase));
        request.Headers.Add(new("X-Amz-Date", amzDate));
        if (options.SignBodyHeader)
            request.Headers.Add(new("x-amz-content-sha256", payloadHash));
        bool hasToken = !string.IsNullOrEmpty(keys.SessionToken);
        if (hasToken && !options.OmitSessionTokenFromSignature)
            request.Headers.Add(new("X-Amz-Security-Token", keys.SessionToken!));

        var result = Compute(request, keys.AccessKeyId, keys.SecretAccessKey, region, service, amzDate, payloadHash,
            signedHeaderNames: null, options.NormalizePath);

        if (hasToken && options.OmitSessionTokenFromSignature)
            request.Headers.Add(new("X-Amz-Security-Token", keys.SessionToken!));
        return result;
    }

    /// <summary>
    /// Computes the signature of a received request for the headers it says it signed, as the server does.
    /// </summary>
    public static SigningResult Compute(
        SigningRequest request, string accessKeyId, string secretAccessKey, string region, string service,
        string amzDate, string? payloadHash, IReadOnlyCollection<string>? signedHeaderNames, bool normalizePath)
    {
        payloadHash ??= request.Body.Length == 0 ? EmptyHash : Hex(SHA256.HashData(request.Body));
        string date = amzDate[..8];
        string scope = $"{date}/{region}/{service}/aws4_request";

        var canonicalHeaders = CanonicalHeaders(request.Headers, signedHeaderNames);
        string signedHeaders = string.Join(';', canonicalHeaders.Keys);
        var canonical = new StringBuilder()
            .Append(request.Method.ToUpperInvariant()).Append('\n')
            .Append(CanonicalPath(request.Path, normalizePath)).Append('\n')
            .Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
            canonical.Append(name).Append(':').Append(value).Append('\n');
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        string canonicalRequest = canonical.ToString();

        string stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        byte[] key = SigningKey(secretAccessKey, date, region, service);
        string signature = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        string authorization = $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new SigningResult(canonicalRequest, stringToSign, signature, signedHeaders, authorization, amzDate);
    }

    internal static byte[] SigningKey(string secret, string date, string region, string service)
    {
        byte[] k = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(region));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(k, "aws4_request"u8.ToArray());
    }

    private static SortedDictionary<string, string> CanonicalHeaders(
        IEnumerable<KeyValuePair<string, string>> headers, IReadOnlyCollection<string>? only)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (rawName, rawValue) in headers)
        {
            string name = rawName.Trim().ToLowerInvariant();
            if (only is not null && !only.Contains(name)) continue;
            string value = CollapseSpaces(rawValue);
            result[name] = result.TryGetValue(name, out var existing) ? existing + "," + value : value;
        }
        return result;
    }

    private static string CollapseSpaces(string value)
    {
        var sb = new StringBuilder(value.Length);
        bool space = false;
        foreach (char c in value.Trim())
        {
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                if (!space) sb.Append(' ');
                space = true;
            }
            else
            {
                sb.Append(c);
                space = false;
            }
        }
        return sb.ToString();
    }

    internal static string CanonicalPath(string path, bool normalize)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        if (normalize) path = NormalizePath(path);
        var segments = path.Split('/');
        return string.Join('/', segments.Select(UriEncode));
    }

    private static string NormalizePath(string path)
    {
        bool trailingSlash = path.EndsWith('/');
        var output = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                if (output.Count > 0) output.RemoveAt(output.Count - 1);
                continue;
            }
            output.Add(segment);
        }
        string joined = "/" + string.Join('/', output);
        if (trailingSlash && output.Count > 0) joined += "/";
        return joined;
    }

    internal static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query)) return "";
        var pairs = new List<(string Key, string Value)>();
        foreach (var part in query.Split('&'))
        {
            if (part.Length == 0) continue;
            int eq = part.IndexOf('=');
            string k = eq < 0 ? part : part[..eq];
            string v = eq < 0 ? "" : part[(eq + 1)..];
            pairs.Add((UriEncode(Uri.UnescapeDataString(k)), UriEncode(Uri.UnescapeDataString(v))));
        }
        return string.Join('&', pairs
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
    }

    /// <summary>RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 wants.</summary>
    public static string UriEncode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.' or '~')
                sb.Append(c);
            else
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
