using System.Text.RegularExpressions;
using SiosRoute53.Model;

namespace SiosRoute53.Store;

/// <summary>
/// The one way the engine records what happened: stamps time and node, redacts secrets, appends to the store's
/// history. Recording never fails an operation: a store that cannot take the event is reported to <c>onError</c>.
/// </summary>
public sealed partial class EventLog(StateStore store, Func<string> node, TimeProvider time, Action<string>? onError = null)
{
    public void Record(string? tag, string action, string outcome, string message, TimeSpan? duration = null, int? apiCalls = null, string? rule = null)
    {
        var e = new HaEvent
        {
            Time = time.GetUtcNow(),
            Node = node(),
            Tag = tag,
            Action = action,
            Outcome = outcome,
            Message = Redact(message),
            Duration = duration,
            ApiCalls = apiCalls,
            Rule = rule,
        };
        try { store.Append(e); }
        catch (StoreException x) when (onError is not null) { onError("cannot record the event: " + x.Message); }
    }

    public IReadOnlyList<HaEvent> Read() => store.ReadEvents();

    [GeneratedRegex(@"(?<key>(?:AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws_secret_access_key|aws_session_token|SecretAccessKey|SessionToken|X-Amz-Security-Token|[Pp]assword|[Ss]ecret)\s*[=:]\s*)(?<value>""[^""]*""|'[^']*'|\S+)")]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[A-Z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")]
    private static partial Regex SecretKeyShape();

    /// <summary>
    /// Removes what looks like a secret from text that is stored or shown: KEY=value assignments of secret names,
    /// 40-character AWS secret keys, and the values of this process's own AWS secret variables.
    /// </summary>
    public static string Redact(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var name in new[] { "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" })
            if (Environment.GetEnvironmentVariable(name) is { Length: >= 8 } secret)
                text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
        text = SecretAssignment().Replace(text, m => m.Groups["key"].Value + "[redacted]");
        return SecretKeyShape().Replace(text, "[redacted]");
    }
}
