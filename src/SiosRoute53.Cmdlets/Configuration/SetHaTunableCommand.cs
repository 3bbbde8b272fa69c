using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cmdlets.Configuration;

/// <summary>
/// Changes tunables in this node's KEY=VALUE file as an operator would by hand: the value changes in place, every
/// comment and other line stays. Values are checked against the catalogue first; the file is written atomically.
/// </summary>
[Cmdlet(VerbsCommon.Set, "HaTunable", SupportsShouldProcess = true, DefaultParameterSetName = OneSet)]
[OutputType(typeof(TunableEdit))]
public sealed class SetHaTunableCommand : NodeCmdlet
{
    private const string OneSet = "One";
    private const string ManySet = "Many";
    private const string DefaultSet = "Default";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = OneSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DefaultSet)]
    [ArgumentCompleter(typeof(TunableKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Key { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = OneSet)]
    [AllowEmptyString]
    public string Value { get; set; } = "";

    /// <summary>Several tunables at once: @{ KEY = value; … }.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ManySet)]
    public TunableOverrides Tunable { get; set; } = new();

    /// <summary>Return the keys to their defaults (their lines are removed from the file).</summary>
    [Parameter(ParameterSetName = DefaultSet)]
    public SwitchParameter Default { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var changes = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        switch (ParameterSetName)
        {
            case OneSet:
                foreach (var k in Key) changes[k] = Value;
                break;
            case DefaultSet when !Default:
                throw new Model.HaArgumentException("Give the new value after the key, or -Default to return the key to its default.");
            case DefaultSet:
                foreach (var k in Key) changes[k] = null;
                break;
            default:
                foreach (var (key, value) in Tunable.Values) changes[key] = value;
                break;
        }
        string file = ResolvedTunablesPath;
        var planned = TunablesFileEditor.Edit(file, changes, write: false);
        if (planned.Count == 0)
        {
            Verbose($"{file} already has these values; nothing to change.");
            return;
        }
        if (!await OnPipelineThread(() => ShouldProcess($"{file}: {string.Join("; ", planned)}", "Change tunables"))) return;
        foreach (var edit in TunablesFileEditor.Edit(file, changes))
        {
            Verbose($"{file}: {edit}.");
            Emit(edit);
        }
        Verbose("The next operation reads the file; the node agent reads it every cycle. Other nodes keep their own tunables files.");
    }
}
