using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>
/// Start-HaResource and Stop-HaResource: for each tag, confirm with the order the resources will go in, run the
/// engine operation, write its result, and a non-terminating error when it did not succeed.
/// </summary>
public abstract class ResourceOperationCmdlet : OperationCmdlet
{
    protected const string TagSet = "Tag", InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TagSet)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string[] Tag { get; set; } = Array.Empty<string>();

    /// <summary>
    /// Resources from Get-HaResource; one that another node reported is refused, never acted on here. Its set is the
    /// derived cmdlets' default, so that a piped HaResource binds here before its Tag property binds -Tag.
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public HaResource[] InputObject { get; set; } = Array.Empty<HaResource>();

    /// <summary>The tag being started or stopped now.</summary>
    protected string CurrentTag { get; private set; } = "";

    /// <summary>The resources the operation touches, in the order it touches them.</summary>
    protected abstract List<string> Order(NodeState state, string tag);

    protected abstract bool Confirm(string target);

    /// <summary>"children first" or "parents first", for the confirmation text.</summary>
    protected abstract string Direction { get; }

    protected abstract string FailureId { get; }

    protected abstract Task<HaOperationResult> RunAsync(ResourceManager manager, string tag, CancellationToken cancellationToken);

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var manager = CreateManager();
        manager.Store.RequireDirectory();
        var tags = ParameterSetName == InputObjectSet ? TagsOnThisNode(InputObject, manager.State().NodeName) : Tag;
        foreach (var tag in tags)
        {
            CurrentTag = tag;
            try
            {
                var state = manager.State();
                var definition = state.Find(tag) ?? throw new ResourceNotFoundException(tag, state.Resources.Select(r => r.Tag));
                string target = $"'{definition.Tag}' on node '{state.NodeName}' ({string.Join(" → ", Order(state, definition.Tag))}, {Direction})";
                if (!await OnPipelineThread(() => Confirm(target))) continue;
                var result = await RunAsync(manager, definition.Tag, cancellationToken);
                CompleteProgress();
                Emit(result);
                if (!result.Succeeded)
                    EmitError(new ErrorRecord(new ResourceActionFailedException(result.Message), FailureId, ErrorCategory.InvalidResult, definition.Tag));
            }
            catch (Exception e) when (IsReportable(e)) { EmitError(ErrorFor(e, tag)); }
        }
    }
}

/// <summary>A start, stop or switchover did not complete; the message says which resource failed and why.</summary>
public sealed class ResourceActionFailedException(string message) : Exception(message);
