using System.Net;

namespace SiosRoute53.Ocf;

/// <summary>
/// This instance's addresses from the EC2 instance metadata service, IMDSv2 only (a session token first, then the
/// item). AWS_EC2_METADATA_SERVICE_ENDPOINT points it elsewhere (tests use a local fake), AWS_EC2_METADATA_DISABLED
/// turns it off, as for the AWS CLI and SDKs.
/// </summary>
public sealed class InstanceMetadata(HttpMessageHandler? handler = null)
{
    private static readonly Uri DefaultEndpoint = new("http://169.254.169.254/");

    public static Uri Endpoint(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue("AWS_EC2_METADATA_SERVICE_ENDPOINT", out var e) && Uri.TryCreate(e.TrimEnd('/') + "/", UriKind.Absolute, out var uri) ? uri : DefaultEndpoint;

    public async Task<IPAddress> GetAddressAsync(string item, IReadOnlyDictionary<string, string> environment, int attempts, TimeSpan pause, CancellationToken cancellationToken)
    {
        if (environment.TryGetValue("AWS_EC2_METADATA_DISABLED", out var disabled) && disabled.Equals("true", StringComparison.OrdinalIgnoreCase))
            throw new AgentParameterException(
                $"ip asks the instance metadata service for '{item}', but AWS_EC2_METADATA_DISABLED is true. Give this node's address in 'ip' (an address or node=address map), or enable instance metadata.",
                OcfExitCode.ErrArgs);
        var endpoint = Endpoint(environment);
        using var http = handler is null ? new HttpClient { Timeout = TimeSpan.FromSeconds(2) } : new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(2) };
        string? problem = null;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            try
            {
                using var tokenRequest = new HttpRequestMessage(HttpMethod.Put, new Uri(endpoint, "latest/api/token"));
                tokenRequest.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", "60");
                using var tokenResponse = await http.SendAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
                tokenResponse.EnsureSuccessStatusCode();
                string token = (await tokenResponse.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, "latest/meta-data/" + item));
                request.Headers.Add("X-aws-ec2-metadata-token", token);
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound)
                    throw new AgentParameterException($"This instance has no '{item}' in its instance metadata (e.g. no public address); set 'ip' to the address to use.", OcfExitCode.ErrArgs);
                response.EnsureSuccessStatusCode();
                string text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
                if (IPAddress.TryParse(text, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) return address;
                problem = $"the answer '{(text.Length > 40 ? text[..40] + "…" : text)}' is not an IPv4 address";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                problem = e is TaskCanceledException ? "no answer within 2 s" : e.Message;
            }
            if (attempt < attempts) await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
        }
        throw new MetadataUnavailableException($"The instance metadata service at {endpoint} did not give '{item}' after {attempts} attempt(s) (curl_retries): {problem}.");
    }
}

/// <summary>The instance metadata service could not be reached: this node cannot tell its own address right now.</summary>
public sealed class MetadataUnavailableException(string message) : Exception(message);
