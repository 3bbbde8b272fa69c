using System.Management.Automation;
using SiosRoute53.Aws;
using SiosRoute53.Route53;

namespace SiosRoute53.Cmdlets.Infrastructure;

/// <summary>The AWS access parameters every cmdlet that reaches Route 53 shares, named as AWS.Tools names them.</summary>
public abstract class AwsCmdlet : AsyncCmdlet
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

    /// <summary>A Route 53 client for this invocation that narrates each API call to -Verbose.</summary>
    protected Route53Client CreateClient()
    {
        var access = AccessOptions();
        if (!access.EffectiveEndpoint.IsAbsoluteUri || access.EffectiveEndpoint.Scheme is not ("http" or "https"))
            throw new ArgumentException($"EndpointUrl '{access.EffectiveEndpoint}' is not an http or https URL.");
        var credentials = AwsSdkCredentialSource.From(access);
        Verbose($"Route 53 endpoint {access.EffectiveEndpoint}, region {access.EffectiveRegion}, credentials from {credentials.Description}.");
        return new Route53Client(credentials, Route53ClientOptions.From(access, Verbose));
    }

    protected override ErrorRecord ToErrorRecord(Exception exception) => ErrorFor(exception, null);

    /// <summary>The error record for a failed Route 53 call: stable id, right category, the AWS code as target.</summary>
    protected static ErrorRecord ErrorFor(Exception exception, object? target)
    {
        var (id, category) = exception switch
        {
            NoSuchHostedZoneException => ("HostedZoneNotFound", ErrorCategory.ObjectNotFound),
            NoSuchChangeException => ("ChangeNotFound", ErrorCategory.ObjectNotFound),
            InvalidChangeBatchException => ("InvalidChangeBatch", ErrorCategory.InvalidData),
            InvalidInputException => ("InvalidInput", ErrorCategory.InvalidArgument),
            AccessDeniedException => ("AccessDenied", ErrorCategory.PermissionDenied),
            SignatureDoesNotMatchException => ("SignatureDoesNotMatch", ErrorCategory.SecurityError),
            ThrottlingException or PriorRequestNotCompleteException => ("Route53Busy", ErrorCategory.LimitsExceeded),
            Route53TransportException { Code: "Timeout" } => ("Route53Timeout", ErrorCategory.OperationTimeout),
            Route53TransportException => ("Route53Unreachable", ErrorCategory.ConnectionError),
            Route53ServerErrorException => ("Route53ServerError", ErrorCategory.ResourceUnavailable),
            Route53Exception => ("Route53Error", ErrorCategory.NotSpecified),
            AwsConfigurationException => ("AwsCredentials", ErrorCategory.AuthenticationError),
            ArgumentException => ("InvalidArgument", ErrorCategory.InvalidArgument),
            _ => ("UnexpectedError", ErrorCategory.NotSpecified),
        };
        return new ErrorRecord(exception, id, category, target);
    }
}
