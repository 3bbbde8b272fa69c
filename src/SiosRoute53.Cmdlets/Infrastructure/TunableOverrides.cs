using System.Collections;
using System.Globalization;
using System.Management.Automation;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cmdlets.Infrastructure;

/// <summary>
/// The value of -Tunable: PowerShell converts the hashtable @{ KEY = value } through the constructor, which checks
/// every key against the catalogue (any letter case; an unknown key names the closest known one) and every value
/// against its range, so a bad one stops the command before it runs. The properties, one per tunable, are there for
/// Tab: PowerShell completes a hashtable's keys from the members of the parameter's type (a unit test keeps them
/// equal to the catalogue).
/// </summary>
#pragma warning disable CA1707 // the properties are named as the tunables are spelt
public sealed class TunableOverrides
{
    public TunableOverrides() { }

    public TunableOverrides(Hashtable values)
    {
        var given = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in values) given[e.Key?.ToString() ?? ""] = Text(e.Value);
        Values = TunableSet.CheckOverrides(given);
    }

    /// <summary>The checked values: keys as the catalogue spells them.</summary>
    public IReadOnlyDictionary<string, string> Values { get; } = new Dictionary<string, string>();

    /// <summary>A hashtable value as the tunables file would spell it.</summary>
    public static string Text(object? value) => (value is PSObject p ? p.BaseObject : value) switch
    {
        null => "",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var v => v.ToString() ?? "",
    };

    public override string ToString() => string.Join("; ", Values.Select(v => $"{v.Key}={v.Value}"));

    public object? ROUTE53_TTL { get; set; }
    public object? ROUTE53_RECORD_INTERVAL { get; set; }
    public object? ROUTE53_RECORD_TRY_COUNT { get; set; }
    public object? ROUTE53_CHANGEID_INTERVAL { get; set; }
    public object? ROUTE53_CHANGEID_TRY_COUNT { get; set; }
    public object? ROUTE53_RECORDCHECK_INTERVAL { get; set; }
    public object? ROUTE53_RECORDCHECK_TRY_COUNT { get; set; }
    public object? ROUTE53_QUICKCHECK_TIMEOUT { get; set; }
    public object? ROUTE53_ENDPOINT_URL { get; set; }
    public object? ROUTE53_DNS_HINT_SERVERS { get; set; }
    public object? ROUTE53_REQUESTS_PER_SECOND { get; set; }
    public object? SERVICE_COMMAND_TIMEOUT { get; set; }
    public object? LCMHBEATTIME { get; set; }
    public object? LCMNUMHBEATS { get; set; }
    public object? LKCHECKINTERVAL { get; set; }
    public object? QUORUM_MODE { get; set; }
    public object? QUORUM_HOSTS { get; set; }
    public object? QUORUM_TIMEOUT_SECS { get; set; }
    public object? WITNESS_MODE { get; set; }
    public object? QUORUM_LOSS_ACTION { get; set; }
    public object? FASTKILL_COMMAND { get; set; }
    public object? FASTBOOT_COMMAND { get; set; }
}
