using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cmdlets.Configuration;

/// <summary>
/// Adds the resources and dependencies of an exported configuration as one change that reaches every member. Refused
/// as a whole, changing nothing, when a tag exists, a record is already managed or a node is not a member.
/// </summary>
[Cmdlet(VerbsData.Import, "HaConfiguration", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(HaResource))]
public sealed class ImportHaConfigurationCommand : NodeCmdlet
{
    private const string PathSet = "Path";
    private const string JsonSet = "Json";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The exported JSON itself (e.g. from Export-HaConfiguration, edited in between).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = JsonSet)]
    [ValidateNotNullOrEmpty]
    public string Json { get; set; } = "";

    private readonly List<string> _json = new();

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (ParameterSetName == JsonSet) _json.Add(Json);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        string source, text;
        if (ParameterSetName == PathSet)
        {
            source = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            try { text = File.ReadAllText(source); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new HaArgumentException($"'{source}' cannot be read: {e.Message}.", source);
            }
        }
        else
        {
            source = "-Json";
            text = string.Join("\n", _json);
        }
        var document = ConfigurationDocument.FromJson(text, source);
        var manager = CreateManager();
        var store = new StateStore(ResolvedStateDirectory);
        var validateOn = ClusterReach.Validator(store);
        var plan = await manager.ImportAsync(document, validateOn, apply: false, cancellationToken);
        string target = $"{plan.Count} resource(s) from '{source}': {string.Join(", ", plan.Select(r => $"{r.Tag} ({r.Kind.ToString().ToLowerInvariant()}: {r.Detail})"))}";
        if (!await OnPipelineThread(() => ShouldProcess(target, "Import"))) return;
        foreach (var r in await manager.ImportAsync(document, validateOn, apply: true, cancellationToken)) Emit(r);
    }
}
