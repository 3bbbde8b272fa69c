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

    /// <summary>Every node's view, asked of each member's agent, instead of this node's alone.</summary>
    [Parameter]
    public SwitchParameter AllNodes { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var manager = CreateManager();
        IReadOnlyList<HaResource> all = manager.List();
        if (AllNodes)
        {
            var views = new List<HaResource>();
            foreach (var member in await new SiosRoute53.Cluster.ClusterClient(manager.Store).StatusAsync(cancellationToken))
            {
                if (member.Role != MemberRole.Node) continue;
                if (!member.Reachable)
                {
                    Warn($"'{member.Name}' did not answer ({member.Problem}); its view is missing.");
                    continue;
                }
                views.AddRange(manager.ListAsReportedBy(member.Name, member.Resources.Select(r => (r.Tag, r.State))));
            }
            all = views;
        }
        IEnumerable<HaResource> selected = all;
        if (Tag.Length > 0)
        {
            var chosen = new List<HaResource>();
            foreach (var pattern in Tag)
            {
                var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
                var matches = all.Where(r => wildcard.IsMatch(r.Tag)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                    EmitError(ErrorFor(new ResourceNotFoundException(pattern, all.Select(r => r.Tag)), pattern));
                chosen.AddRange(matches.Where(m => !chosen.Contains(m)));
            }
            selected = chosen;
        }
        if (Kind is { } kind) selected = selected.Where(r => r.Kind == kind);
        if (State is { } state) selected = selected.Where(r => r.State == state);
        foreach (var r in selected) Emit(r);
    }
}
