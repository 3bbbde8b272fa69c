using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SiosRoute53.Aws;

namespace SiosRoute53.Route53Server;

/// <summary>
/// Verifies Signature Version 4 on incoming requests against the configured keys, as Route 53 does: the scope must
/// name service "route53", the time must be within 15 minutes, and the signature must match the headers it claims.
/// A key may be limited to some API actions, to test least-privilege policies.
/// </summary>
public sealed partial class RequestAuthenticator
{
    private readonly Dictionary<string, (string Secret, HashSet<string>? Actions)> _keys = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly object _gate = new();

    public RequestAuthenticator(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);

    /// <summary>Accepts requests signed with this key; <paramref name="allowedActions"/> null means every action.</summary>
    public void AddKey(string accessKeyId, string secretAccessKey, IEnumerable<string>? allowedActions = null)
    {
        lock (_gate) _keys[accessKeyId] = (secretAccessKey, allowedActions?.ToHashSet(StringComparer.Ordinal));
    }

    public void RemoveKey(string accessKeyId)
    {
        lock (_gate) _keys.Remove(accessKeyId);
    }

    [GeneratedRegex(@"^AWS4-HMAC-SHA256\s+Credential=(?<ak>[^/,\s]+)/(?<date>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request,\s*SignedHeaders=(?<sh>[^,\s]+),\s*Signature=(?<sig>[0-9a-f]{64})\s*$")]
    private static partial Regex AuthorizationPattern();

    /// <summary>Throws an <see cref="ApiError"/> when the request is not signed right or may not do <paramref name="action"/>.</summary>
    public void Verify(SigningRequest request, string action, string service = "route53")
    {
        string? authorization = Header(request, "Authorization");
        if (authorization is null)
            throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.MissingAuthenticationToken, "Missing Authentication Token");
        var m = AuthorizationPattern().Match(authorization);
        if (!m.Success)
            throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.IncompleteSignature, "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters (AWS4-HMAC-SHA256).");

        string accessKey = m.Groups["ak"].Value;
        (string Secret, HashSet<string>? Actions) key;
        lock (_gate)
        {
            if (!_keys.TryGetValue(accessKey, out key))
                throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.InvalidClientTokenId, "The security token included in the request is invalid.");
        }
        if (m.Groups["service"].Value != service)
            throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.SignatureDoesNotMatch, $"Credential should be scoped to correct service: '{service}'.");

        string? amzDate = Header(request, "X-Amz-Date");
        if (amzDate is null || !DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
            throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.IncompleteSignature, "The request must contain a valid X-Amz-Date header.");
        if (m.Groups["date"].Value != amzDate[..8])
            throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.SignatureDoesNotMatch, "Credential should be scoped to a valid date matching X-Amz-Date.");
        var skew = (_time.GetUtcNow() - signedAt).Duration();
        if (skew > AllowedSkew)
            throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.SignatureDoesNotMatch,
                $"Signature expired: {amzDate} is now earlier or later than {_time.GetUtcNow().UtcDateTime:yyyyMMdd'T'HHmmss'Z'} by more than 15 minutes. Check the node's clock.");

        var signedHeaders = m.Groups["sh"].Value.Split(';');
        if (!signedHeaders.Contains("host"))
            throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.SignatureDoesNotMatch, "'Host' must be a signed header.");
        var expected = SigV4Signer.Compute(request, accessKey, key.Secret, m.Groups["region"].Value, service, amzDate,
            payloadHash: null, signedHeaders, normalizePath: true);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected.Signature), Encoding.ASCII.GetBytes(m.Groups["sig"].Value)))
            throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.SignatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");

        if (key.Actions is not null && !key.Actions.Contains(action))
            throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.AccessDenied,
                $"User: {accessKey} is not authorized to perform: {service}:{action}");
    }

    private readonly Dictionary<string, string?> _roles = new(StringComparer.Ordinal);

    /// <summary>A role that AssumeRole may hand out, optionally only with this external id.</summary>
    public void AddRole(string roleArn, string? externalId = null)
    {
        lock (_gate) _roles[roleArn] = externalId;
    }

    /// <summary>
    /// STS AssumeRole: checks the role and external id, then issues temporary keys (with a session token) that this
    /// server accepts from then on.
    /// </summary>
    public (string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration) AssumeRole(string roleArn, string? externalId, string caller)
    {
        lock (_gate)
        {
            if (!_roles.TryGetValue(roleArn, out var required))
                throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.AccessDenied, $"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {roleArn}");
            if (required is not null && required != externalId)
                throw new ApiError(HttpStatusCode.Forbidden, ErrorCodes.AccessDenied, $"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {roleArn} (external id)");
            string id = "ASIA" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
            string secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
            string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(60));
            _keys[id] = (secret, null);
            return (id, secret, token, _time.GetUtcNow().AddHours(1));
        }
    }

    /// <summary>The access key id a verified request was signed with.</summary>
    public static string? AccessKeyOf(SigningRequest request) =>
        AuthorizationPattern().Match(Header(request, "Authorization") ?? "") is { Success: true } m ? m.Groups["ak"].Value : null;

    private static string? Header(SigningRequest request, string name) =>
        request.Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
}
