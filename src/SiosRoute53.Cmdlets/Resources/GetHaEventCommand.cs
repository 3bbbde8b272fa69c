using System.Management.Automation;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Reads the event history: what happened, when, why and how long it took.</summary>
[Cmdlet(VerbsCommon.Get, "HaEvent")]
[OutputType(typeof(HaEvent))]
public sealed class GetHaEventCommand : NodeCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string[] Tag { get; set; } = Array.Empty<string>();

    [Parameter]
    public DateTimeOffset? Since { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Newest { get; set; }

    [Parameter]
    [ValidateSet("create", "remove-resource", "dependency", "restore", "remove", "rollback", "quickCheck", "recover",
        "agent", "heartbeat", "quorum", "failover", "configuration", "cluster", "security", "extend")]
    public string[] Action { get; set; } = Array.Empty<string>();

    private readonly List<string> _tags = new();

    protected override Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        _tags.AddRange(Tag);
        return Task.CompletedTask;
    }

    protected override Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        IEnumerable<HaEvent> events = new Store.StateStore(ResolvedStateDirectory).ReadEvents();
        if (_tags.Count > 0)
        {
            var patterns = _tags.Select(t => WildcardPattern.Get(t, WildcardOptions.IgnoreCase)).ToList();
            events = events.Where(e => e.Tag is not null && patterns.Any(p => p.IsMatch(e.Tag)));
        }
        if (Since is { } since) events = events.Where(e => e.Time >= since);
        if (Action.Length > 0) events = events.Where(e => Action.Contains(e.Action, StringComparer.OrdinalIgnoreCase));
        var list = events.ToList();
        if (Newest is { } n) list = list.TakeLast(n).ToList();
        foreach (var e in list) Emit(e);
        return Task.CompletedTask;
    }
}
