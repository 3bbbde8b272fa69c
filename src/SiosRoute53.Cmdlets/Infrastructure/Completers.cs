using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SiosRoute53.Store;

namespace SiosRoute53.Cmdlets.Infrastructure;

/// <summary>Completion from this node's store (the -StateDirectory given on the line, if any); nothing when it cannot be read.</summary>
public abstract class StoreCompleter : IArgumentCompleter
{
    protected abstract IEnumerable<(string Name, string Tooltip)> Candidates(Model.NodeState state);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        Model.NodeState state;
        try { state = new StateStore(StateStore.ResolveDirectory(fakeBoundParameters["StateDirectory"] as string)).Read(); }
        catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException) { return Array.Empty<CompletionResult>(); }
        string prefix = wordToComplete.Trim('\'', '"');
        return Candidates(state).Where(c => c.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .Select(c => new CompletionResult(c.Name, c.Name, CompletionResultType.ParameterValue, c.Tooltip)).ToList();
    }
}

/// <summary>Completes resource tags.</summary>
public sealed class ResourceTagCompleter : StoreCompleter
{
    protected override IEnumerable<(string Name, string Tooltip)> Candidates(Model.NodeState state) =>
        state.Resources.Select(r => (r.Tag, $"{r.Tag} ({r.Kind})"));
}

/// <summary>Completes tunable keys.</summary>
public sealed class TunableKeyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Tunables.TunableCatalog.All
            .Where(t => t.Key.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(t => new CompletionResult(t.Key, t.Key, CompletionResultType.ParameterValue, t.Description));
}

/// <summary>Completes cluster member names.</summary>
public sealed class NodeNameCompleter : StoreCompleter
{
    protected override IEnumerable<(string Name, string Tooltip)> Candidates(Model.NodeState state) =>
        state.Members.Select(m => (m.Name, $"{m.Name} ({m.Role}, {string.Join(", ", m.Paths)})"));
}
