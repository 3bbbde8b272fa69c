using System.Globalization;

namespace SiosRoute53.Tunables;

/// <summary>One tunable: its LifeKeeper name, default, allowed range or values, and what it does.</summary>
public sealed record TunableDefinition(string Key, string Default, string Description)
{
    public long? Minimum { get; init; }
    public long? Maximum { get; init; }
    public IReadOnlyList<string>? AllowedValues { get; init; }
    public string Unit { get; init; } = "";

    /// <summary>For a text tunable with a format (a URL, a list of addresses): null when the value is acceptable, else why not.</summary>
    public Func<string, string?>? Format { get; init; }

    /// <summary>What <see cref="Format"/> accepts, in words, for help and error messages.</summary>
    public string FormatDescription { get; init; } = "text";

    /// <summary>What values the tunable takes, for help and error messages.</summary>
    public string Range =>
        AllowedValues is not null ? string.Join(" | ", AllowedValues)
        : Minimum is not null ? $"{Minimum}–{Maximum}{(Unit.Length > 0 ? " " + Unit : "")}"
        : FormatDescription;

    /// <summary>Null when <paramref name="value"/> is acceptable, else why not.</summary>
    public string? Check(string value)
    {
        if (AllowedValues is not null)
            return AllowedValues.Contains(value, StringComparer.Ordinal) ? null : $"'{value}' is not one of {Range}";
        if (Minimum is not null)
        {
            if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                return $"'{value}' is not a whole number";
            if (n < Minimum || n > Maximum) return $"{n} is outside {Range}";
        }
        return Format?.Invoke(value);
    }
}

/// <summary>Every tunable the product reads, with LifeKeeper's names and the seed's defaults.</summary>
public static class TunableCatalog
{
    private static TunableDefinition Seconds(string key, long dflt, long min, long max, string description) =>
        new(key, dflt.ToString(CultureInfo.InvariantCulture), description) { Minimum = min, Maximum = max, Unit = "s" };

    private static TunableDefinition Count(string key, long dflt, long min, long max, string description) =>
        new(key, dflt.ToString(CultureInfo.InvariantCulture), description) { Minimum = min, Maximum = max, Unit = "times" };

    public static readonly IReadOnlyList<TunableDefinition> All = new[]
    {
        Seconds("ROUTE53_TTL", 10, 0, 86400, "TTL of the A record; a change takes effect at the next switchover."),
        Seconds("ROUTE53_RECORD_INTERVAL", 2, 1, 300, "Longest pause between attempts of a call that updates the A record (the backoff grows up to it)."),
        Count("ROUTE53_RECORD_TRY_COUNT", 3, 1, 100, "Compare-and-swap rounds to update the A record (read, then one batch) when the record changes in between."),
        Seconds("ROUTE53_CHANGEID_INTERVAL", 20, 1, 600, "Longest pause between two looks at a change's status (GetChange comes about once a second, less when many changes are pending)."),
        Count("ROUTE53_CHANGEID_TRY_COUNT", 5, 1, 1000, "With ROUTE53_CHANGEID_INTERVAL, the budget for a change to reach INSYNC (interval × count)."),
        Seconds("ROUTE53_RECORDCHECK_INTERVAL", 2, 1, 300, "Longest pause between attempts to read the A record during a check (the backoff grows up to it)."),
        Count("ROUTE53_RECORDCHECK_TRY_COUNT", 4, 1, 100, "Attempts of each read of the A record during a check."),
        Seconds("ROUTE53_QUICKCHECK_TIMEOUT", 25, 1, 3600, "Time limit of one route53 quickCheck."),
        new TunableDefinition("ROUTE53_ENDPOINT_URL", "", "Route 53 endpoint for resources that name none (empty: the AWS endpoint).") { Format = HttpUrl, FormatDescription = "an http or https URL, or empty" },
        new TunableDefinition("ROUTE53_DNS_HINT_SERVERS", "", "The zone's name servers by IP address (e.g. the VPC resolver 10.0.0.2), asked for a changed record's new value so INSYNC is asked for the moment it shows (empty: GetChange alone).")
            { Format = AddressList, FormatDescription = "IP addresses (optional :port), comma-separated, or empty" },
        Count("ROUTE53_REQUESTS_PER_SECOND", 5, 1, 100, "The node's Route 53 request budget (Route 53 allows 5 per second per account)."),
        Seconds("SERVICE_COMMAND_TIMEOUT", 120, 1, 3600, "Time limit of a service resource's start, stop or check command."),
        Seconds("LCMHBEATTIME", 5, 1, 60, "Interval between heartbeats on each communication path."),
        Count("LCMNUMHBEATS", 3, 2, 100, "Missed heartbeats on all paths after which a peer is dead."),
        Seconds("LKCHECKINTERVAL", 120, 5, 86400, "Interval between quickChecks of in-service resources by the node agent."),
        new TunableDefinition("QUORUM_MODE", "majority", "How a node decides it may bring a hierarchy in service after a failure.")
            { AllowedValues = new[] { "majority", "tcp_remote", "none" } },
        new TunableDefinition("QUORUM_HOSTS", "", "With QUORUM_MODE=tcp_remote: host:port list, comma-separated."),
        Seconds("QUORUM_TIMEOUT_SECS", 20, 1, 600, "With QUORUM_MODE=tcp_remote: time to reach the quorum hosts."),
        new TunableDefinition("WITNESS_MODE", "remote_verify", "Whether other members must confirm a peer is dead before takeover.")
            { AllowedValues = new[] { "remote_verify", "none" } },
        new TunableDefinition("QUORUM_LOSS_ACTION", "osu", "What a node that loses quorum does.")
            { AllowedValues = new[] { "osu", "fastkill", "fastboot" } },
        new TunableDefinition("FASTKILL_COMMAND", "systemctl reboot --force --force", "Command run for QUORUM_LOSS_ACTION=fastkill."),
        new TunableDefinition("FASTBOOT_COMMAND", "systemctl reboot --force", "Command run for QUORUM_LOSS_ACTION=fastboot."),
    };

    public static TunableDefinition? Find(string key) => All.FirstOrDefault(t => t.Key == key);

    /// <summary>
    /// The known key an unknown one most likely meant: the same key in other letter case, else the nearest by edit
    /// distance when it is close (a typo), else none (a foreign setting in a shared file, such as LifeKeeper's LKROOT).
    /// </summary>
    public static TunableDefinition? Closest(string key)
    {
        if (All.FirstOrDefault(t => t.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) is { } sameLetters) return sameLetters;
        string upper = key.ToUpperInvariant();
        var (best, distance) = All.Select(t => (t, Distance(upper, t.Key))).MinBy(x => x.Item2);
        return distance <= Math.Max(2, best.Key.Length / 5) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private static string? HttpUrl(string value) =>
        value.Length == 0 || Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0
            ? null : $"'{value}' is not an http or https URL (e.g. https://route53.amazonaws.com)";

    private static string? AddressList(string value)
    {
        try { Route53.DnsAnswerHint.ParseServers(value); return null; }
        catch (ArgumentException e) { return e.Message.TrimEnd('.'); }
    }
}
