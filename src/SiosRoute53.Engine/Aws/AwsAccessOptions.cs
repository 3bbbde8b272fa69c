namespace SiosRoute53.Aws;

/// <summary>How to reach AWS: which credentials, which region, which endpoint. Every field is optional.</summary>
public sealed record AwsAccessOptions
{
    /// <summary>A profile in the shared credentials/config files; null means the default chain.</summary>
    public string? ProfileName { get; init; }

    /// <summary>The shared credentials file to read the profile from; null means the SDK's default location.</summary>
    public string? ProfileLocation { get; init; }

    /// <summary>Region used for signing. Route 53 is global and signs with us-east-1 unless told otherwise.</summary>
    public string? Region { get; init; }

    /// <summary>
    /// A Route 53-compatible endpoint instead of https://route53.amazonaws.com (-EndpointUrl, the resource's endpoint or
    /// ROUTE53_ENDPOINT_URL). When null, AWS_ENDPOINT_URL_ROUTE_53 and AWS_ENDPOINT_URL apply (<see cref="AwsEndpoints"/>).
    /// </summary>
    public Uri? EndpointUrl { get; init; }

    /// <summary>A role to assume through STS with the resolved credentials.</summary>
    public string? RoleArn { get; init; }

    public string? ExternalId { get; init; }

    public string? RoleSessionName { get; init; }

    /// <summary>Per-request timeout (each attempt).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many attempts a retryable failure gets in all (the client is the only place that retries).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The longest pause between two attempts; backoff grows from 0.2 s up to it.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    public const string DefaultRegion = "us-east-1";
    public static readonly Uri DefaultEndpoint = new("https://route53.amazonaws.com");

    public string EffectiveRegion => string.IsNullOrWhiteSpace(Region) ? DefaultRegion : Region!;
    /// <summary>The endpoint calls go to, and what chose it.</summary>
    public ResolvedEndpoint ResolvedEndpoint => AwsEndpoints.Route53(EndpointUrl);

    public Uri EffectiveEndpoint => ResolvedEndpoint.Url;
}
