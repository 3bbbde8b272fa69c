using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Shows the tunables in force on this node: value, where it comes from, allowed range.</summary>
[Cmdlet(VerbsCommon.Get, "HaTunable")]
[OutputType(typeof(TunableValue))]
public sealed class GetHaTunableCommand : OperationCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(TunableKeyCompleter))]
    public string[] Key { get; set; } = Array.Empty<string>();

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var set = LoadTunables();
        var patterns = Key.Select(k => WildcardPattern.Get(k, WildcardOptions.IgnoreCase)).ToList();
        foreach (var value in set.Values.Where(v => patterns.Count == 0 || patterns.Any(p => p.IsMatch(v.Key))))
            Emit(value);
        foreach (var key in Key.Where(k => !WildcardPattern.ContainsWildcardCharacters(k) && TunableCatalog.Find(k.ToUpperInvariant()) is null))
            EmitError(new ErrorRecord(new ItemNotFoundException($"'{key}' is not a tunable. Known: {string.Join(", ", TunableCatalog.All.Select(t => t.Key))}."),
                "TunableNotFound", ErrorCategory.ObjectNotFound, key));
        return Task.CompletedTask;
    }
}
