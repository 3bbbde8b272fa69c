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
    [ValidateEventAction]
    [ArgumentCompleter(typeof(EventActionCompleter))]
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

/// <summary>Checks -Action against the engine's one list of event actions (case-insensitive), naming the known ones.</summary>
public sealed class ValidateEventActionAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        foreach (var value in arguments is System.Collections.IEnumerable e and not string ? e.Cast<object>() : new[] { arguments })
            if (!EventActions.All.Contains(value?.ToString() ?? "", StringComparer.OrdinalIgnoreCase))
                throw new ValidationMetadataException($"'{value}' is not an event action. Known: {string.Join(", ", EventActions.All)}.");
    }
}

/// <summary>Completes -Action from the engine's one list of event actions.</summary>
public sealed class EventActionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        EventActions.All.Where(a => a.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(a => new CompletionResult(a, a, CompletionResultType.ParameterValue, a));
}
