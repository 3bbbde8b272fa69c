using System.Collections;
using System.Globalization;
using System.Management.Automation;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cmdlets.Infrastructure;

/// <summary>
/// Cmdlets that run an operation with the tunables: -Tunable @{ ROUTE53_CHANGEID_TRY_COUNT = 7 } overrides the file
/// for this call only (Get-HaTunable shows such a value with source Parameter). Keys complete from the catalogue and
/// are matched in any letter case; an unknown key or a value out of range stops the command before it changes anything.
/// </summary>
public abstract class OperationCmdlet : NodeCmdlet
{
    /// <summary>Tunables for this call, over the file: a hashtable of KEY = value.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(TunableHashtableCompleter))]
    public Hashtable? Tunable { get; set; }

    private IReadOnlyDictionary<string, string>? _overrides;

    protected override IReadOnlyDictionary<string, string>? TunableOverrides
    {
        get
        {
            if (Tunable is null || Tunable.Count == 0) return null;
            if (_overrides is not null) return _overrides;
            var given = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (DictionaryEntry e in Tunable)
            {
                object? value = e.Value is PSObject p ? p.BaseObject : e.Value;
                given[e.Key?.ToString() ?? ""] = value switch
                {
                    null => "",
                    bool b => b ? "true" : "false",
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    _ => value.ToString() ?? "",
                };
            }
            return _overrides = TunableSet.CheckOverrides(given);
        }
    }
}
