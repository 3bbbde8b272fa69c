namespace SiosRoute53.Aws;

/// <summary>An endpoint and what chose it, for -Verbose and error messages.</summary>
public sealed record ResolvedEndpoint(Uri Url, string Source);

/// <summary>
/// Which Route 53 endpoint to call, by the AWS SDKs' convention for configured endpoints, below our own settings:
/// <list type="number">
/// <item>-EndpointUrl or the resource's endpoint, then the ROUTE53_ENDPOINT_URL tunable (both arrive as
/// <see cref="AwsAccessOptions.EndpointUrl"/>);</item>
/// <item>AWS_ENDPOINT_URL_ROUTE_53, the service-specific variable (service id "Route 53");</item>
/// <item>AWS_ENDPOINT_URL, the global one;</item>
/// <item>https://route53.amazonaws.com.</item>
/// </list>
/// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns the two variables off, as it does for the SDKs and the AWS CLI.
/// AssumeRole goes through AWSSDK.SecurityToken, which reads AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL itself.
/// </summary>
public static class AwsEndpoints
{
    public const string Route53Variable = "AWS_ENDPOINT_URL_ROUTE_53";
    public const string GlobalVariable = "AWS_ENDPOINT_URL";
    public const string StsVariable = "AWS_ENDPOINT_URL_STS";
    public const string IgnoreVariable = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

    /// <summary>The Route 53 endpoint from the process environment.</summary>
    public static ResolvedEndpoint Route53(Uri? configured) => Route53(configured, Environment.GetEnvironmentVariable);

    /// <summary>The Route 53 endpoint: <paramref name="configured"/> first, then the variables of <paramref name="environment"/>.</summary>
    public static ResolvedEndpoint Route53(Uri? configured, Func<string, string?> environment)
    {
        if (configured is not null) return new ResolvedEndpoint(configured, "-EndpointUrl or ROUTE53_ENDPOINT_URL");
        if (!string.Equals(environment(IgnoreVariable)?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            foreach (string variable in new[] { Route53Variable, GlobalVariable })
                if (environment(variable) is { } text && text.Trim().Length > 0)
                    return new ResolvedEndpoint(Parse(variable, text.Trim()), variable);
        }
        return new ResolvedEndpoint(AwsAccessOptions.DefaultEndpoint, "the AWS default");
    }

    private static Uri Parse(string variable, string text)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0) return url;
        throw new AwsConfigurationException(
            $"{variable} is '{text}', which is not an http or https URL. Give a URL such as http://127.0.0.1:8053, or unset {variable}.");
    }
}
