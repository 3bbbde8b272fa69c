using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace SiosRoute53.Aws;

/// <summary>Where signing keys come from. Resolved per request so rotating keys (roles, SSO) keep working.</summary>
public interface ICredentialSource
{
    /// <summary>Says where the keys come from, never what they are.</summary>
    string Description { get; }

    Task<AwsKeys> GetKeysAsync(CancellationToken cancellationToken);
}

/// <summary>Fixed keys, for tests and for the Route 53-compatible server's own clients.</summary>
public sealed class StaticCredentialSource(AwsKeys keys) : ICredentialSource
{
    public string Description => $"static keys {keys.MaskedAccessKeyId}";
    public Task<AwsKeys> GetKeysAsync(CancellationToken cancellationToken) => Task.FromResult(keys);
}

/// <summary>Keys from AWSSDK.Core's resolvers: the default chain, a named profile, and AssumeRole on top.</summary>
public sealed class AwsSdkCredentialSource : ICredentialSource
{
    private readonly AWSCredentials _credentials;

    private AwsSdkCredentialSource(AWSCredentials credentials, string description)
    {
        _credentials = credentials;
        Description = description;
    }

    public string Description { get; }

    /// <summary>
    /// Builds the credential source the options ask for. Resolution of the default chain is lazy: nothing is
    /// contacted (no instance metadata call) until the first request is signed.
    /// </summary>
    public static ICredentialSource From(AwsAccessOptions options)
    {
        AWSCredentials baseCredentials;
        string description;
        if (!string.IsNullOrWhiteSpace(options.ProfileName))
        {
            if (options.ProfileLocation is not null && !File.Exists(options.ProfileLocation))
                throw new AwsConfigurationException(
                    $"The credentials file '{options.ProfileLocation}' does not exist. Give the path of an AWS shared credentials file.");
            var chain = options.ProfileLocation is null ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(options.ProfileLocation);
            if (!chain.TryGetAWSCredentials(options.ProfileName, out baseCredentials))
                throw new AwsConfigurationException(
                    $"AWS profile '{options.ProfileName}' was not found in {(options.ProfileLocation is null ? "the shared credentials or config files" : $"'{options.ProfileLocation}'")}. " +
                    "Check the name with 'aws configure list-profiles', or leave -ProfileName out to use the default credential chain.");
            description = $"profile '{options.ProfileName}'";
        }
        else
        {
            baseCredentials = new LazyDefaultChainCredentials();
            description = "the default credential chain";
        }

        if (!string.IsNullOrWhiteSpace(options.RoleArn))
        {
            if (!options.RoleArn.StartsWith("arn:", StringComparison.Ordinal))
                throw new AwsConfigurationException(
                    $"Role ARN '{options.RoleArn}' is not an ARN. Give it as arn:aws:iam::<account>:role/<name>.");
            var roleOptions = new AssumeRoleAWSCredentialsOptions { ExternalId = options.ExternalId };
            string session = string.IsNullOrWhiteSpace(options.RoleSessionName) ? "SiosRoute53-" + Environment.MachineName : options.RoleSessionName!;
            baseCredentials = new AssumeRoleAWSCredentials(baseCredentials, options.RoleArn, session, roleOptions);
            description += $", assuming role '{options.RoleArn}'";
        }
        return new AwsSdkCredentialSource(baseCredentials, description);
    }

    public async Task<AwsKeys> GetKeysAsync(CancellationToken cancellationToken)
    {
        ImmutableCredentials resolved;
        try
        {
            resolved = await _credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception ex)
        {
            // The SDK's messages name files and providers, not secrets; keep them for the operator.
            throw new AwsConfigurationException($"No AWS credentials could be resolved from {Description}: {ex.Message}", ex);
        }
        return new AwsKeys(resolved.AccessKey, resolved.SecretKey, resolved.Token);
    }

    /// <summary>Defers the default chain so that building a client never blocks on instance metadata.</summary>
    private sealed class LazyDefaultChainCredentials : AWSCredentials
    {
        private AWSCredentials? _resolved;

        private AWSCredentials Resolve() => _resolved ??= DefaultAWSCredentialsIdentityResolver.GetCredentials(null);

        public override ImmutableCredentials GetCredentials() => Resolve().GetCredentials();

        public override Task<ImmutableCredentials> GetCredentialsAsync() => Resolve().GetCredentialsAsync();
    }
}

/// <summary>AWS access is misconfigured: no credentials, an unknown profile, a malformed role ARN.</summary>
public sealed class AwsConfigurationException : Exception
{
    public AwsConfigurationException(string message, Exception? inner = null) : base(message, inner) { }
}
