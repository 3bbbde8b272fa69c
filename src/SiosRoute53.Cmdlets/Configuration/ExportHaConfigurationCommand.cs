using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Store;

namespace SiosRoute53.Cmdlets.Configuration;

/// <summary>Writes resource definitions and dependencies as JSON (no states, members, keys or credentials): a backup, or a hierarchy to clone.</summary>
[Cmdlet(VerbsData.Export, "HaConfiguration", SupportsShouldProcess = true, DefaultParameterSetName = ToOutputSet)]
[OutputType(typeof(string), ParameterSetName = new[] { ToOutputSet })]
[OutputType(typeof(FileInfo), ParameterSetName = new[] { ToFileSet })]
public sealed class ExportHaConfigurationCommand : NodeCmdlet
{
    private const string ToOutputSet = "ToOutput";
    private const string ToFileSet = "ToFile";

    /// <summary>Export these resources' whole hierarchies (everything above and below each); all resources when none.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string[] Tag { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = ToFileSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Overwrite an existing file.</summary>
    [Parameter(ParameterSetName = ToFileSet)]
    public SwitchParameter Force { get; set; }

    private readonly List<string> _tags = new();

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _tags.AddRange(Tag);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var document = CreateManager().Export(_tags, out var leftOut);
        foreach (var setting in leftOut) Warn($"Not exported: {setting} is not a setting SiosRoute53 knows.");
        Verbose($"Exporting {document.Resources.Count} resource(s) and {document.Dependencies.Count} dependency(ies).");
        string json = document.ToJson();
        if (ParameterSetName == ToOutputSet)
        {
            Emit(json);
            return;
        }
        string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (File.Exists(file) && !Force)
            throw new Model.HaArgumentException($"'{file}' exists. Give another path, or -Force to overwrite it.", file);
        if (!await OnPipelineThread(() => ShouldProcess(file, $"Write {document.Resources.Count} resource definition(s)"))) return;
        string temp = file + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
                stream.Write(System.Text.Encoding.UTF8.GetBytes(json + "\n"));
            File.Move(temp, file, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        Emit(new FileInfo(file));
    }
}
