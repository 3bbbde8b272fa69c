using System.Management.Automation;

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
    public TunableOverrides? Tunable { get; set; }

    protected override IReadOnlyDictionary<string, string>? TunableOverrides => Tunable is { Values.Count: > 0 } t ? t.Values : null;
}
