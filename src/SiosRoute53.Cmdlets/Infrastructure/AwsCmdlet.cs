using System.Management.Automation;
using SiosRoute53.Aws;
using SiosRoute53.Route53;

namespace SiosRoute53.Cmdlets.Infrastructure;

/// <summary>The AWS access parameters every cmdlet that reaches Route 53 shares, named as AWS.Tools names them.</summary>
public abstract class AwsCmdlet : OperationCmdlet
{
    /// <summary>A profile from the shared AWS credentials/config files.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ProfileName { get; set; }

    /// <summary>The shared credentials file that holds the profile (default: ~/.aws/credentials).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ProfileLocation { get; set; }

    /// <summary>Signing region (Route 53 is global: us-east-1 unless a partition needs another).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    /// <summary>A Route 53-compatible endpoint, e.g. the test server.</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? EndpointUrl { get; set; }

    /// <summary>Role to assume through STS before calling Route 53.</summary>
    [Parameter]
    [ValidatePattern(@"^arn:aws[\w-]*:iam::\d{12}:role/.+$")]
    public string? RoleArn { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ExternalId { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RoleSessionName { get; set; }

    protected AwsAccessOptions AccessOptions() => new()
    {
        ProfileName = ProfileName,
        ProfileLocation = ProfileLocation is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProfileLocation),
        Region = Region,
        EndpointUrl = EndpointUrl,
        RoleArn = RoleArn,
        ExternalId = ExternalId,
        RoleSessionName = RoleSessionName,
    };

    /// <summary>A Route 53 client for this invocation (tunables apply: endpoint, request budget) that narrates each API call to -Verbose.</summary>
    protected IRoute53Client CreateClient()
    {
        var access = AccessOptions();
        if (access.EndpointUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
            throw new ArgumentException($"EndpointUrl '{url}' is not an http or https URL.");
        var client = (Route53Client)SiosRoute53.Kits.KitEnvironment.DefaultRoute53(access, LoadTunables(), Verbose);
        Verbose($"Route 53 endpoint {client.Endpoint}, region {access.EffectiveRegion}, credentials from {client.CredentialsDescription}.");
        return client;
    }
}
