namespace SiosRoute53.Aws;

/// <summary>
/// One set of resolved AWS keys. Never printed: <see cref="ToString"/> shows only the access key id's tail,
/// so a stray log line or a debugger view cannot leak the secret.
/// </summary>
public sealed class AwsKeys
{
    public AwsKeys(string accessKeyId, string secretAccessKey, string? sessionToken = null)
    {
        if (string.IsNullOrWhiteSpace(accessKeyId)) throw new ArgumentException("The access key id is empty.", nameof(accessKeyId));
        if (string.IsNullOrEmpty(secretAccessKey)) throw new ArgumentException("The secret access key is empty.", nameof(secretAccessKey));
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = string.IsNullOrEmpty(sessionToken) ? null : sessionToken;
    }

    public string AccessKeyId { get; }
    internal string SecretAccessKey { get; }
    internal string? SessionToken { get; }

    /// <summary>The access key id with all but its last four characters hidden.</summary>
    public string MaskedAccessKeyId =>
        AccessKeyId.Length <= 4 ? "****" : new string('*', AccessKeyId.Length - 4) + AccessKeyId[^4..];

    public override string ToString() => $"AwsKeys({MaskedAccessKeyId})";
}
