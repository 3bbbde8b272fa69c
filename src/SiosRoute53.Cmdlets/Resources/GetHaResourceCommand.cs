using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Lists resources with their state on this node.</summary>
[Cmdlet(VerbsCommon.Get, "HaResource")]
[OutputType(typeof(HaResource))]
public sealed class GetHaResourceCommand : NodeCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string[] Tag { get; set; } = Array.Empty<string>();

    [Parameter]
    public ResourceKind? Kind { get; set; }

    [Parameter]
    public ResourceState? State { get; set; }

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var all = CreateManager().List();
        IEnumerable<HaResource> selected = all;
        if (Tag.Length > 0)
        {
            var chosen = new List<HaResource>();
            foreach (var pattern in Tag)
            {
                var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
                var matches = all.Where(r => wildcard.IsMatch(r.Tag)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                    EmitError(ErrorFor(new Hierarchy.ResourceNotFoundException(pattern, all.Select(r => r.Tag)), pattern));
                chosen.AddRange(matches.Where(m => !chosen.Contains(m)));
            }
            selected = chosen;
        }
        if (Kind is { } kind) selected = selected.Where(r => r.Kind == kind);
        if (State is { } state) selected = selected.Where(r => r.State == state);
        foreach (var r in selected) Emit(r);
        return Task.CompletedTask;
    }
}
