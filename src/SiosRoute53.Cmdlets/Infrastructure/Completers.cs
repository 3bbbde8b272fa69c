using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SiosRoute53.Store;

namespace SiosRoute53.Cmdlets.Infrastructure;

/// <summary>Completes resource tags from this node's store (the -StateDirectory given on the line, if any).</summary>
public sealed class ResourceTagCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string directory = StateStore.ResolveDirectory(fakeBoundParameters["StateDirectory"] as string);
        IEnumerable<Model.ResourceDefinition> resources;
        try { resources = new StateStore(directory).Read().Resources; }
        catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException) { yield break; }
        string prefix = wordToComplete.Trim('\'', '"');
        foreach (var r in resources.Where(r => r.Tag.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).OrderBy(r => r.Tag))
            yield return new CompletionResult(r.Tag, r.Tag, CompletionResultType.ParameterValue, $"{r.Tag} ({r.Kind})");
    }
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

/// <summary>Completes cluster member names from this node's store.</summary>
public sealed class NodeNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string directory = StateStore.ResolveDirectory(fakeBoundParameters["StateDirectory"] as string);
        IEnumerable<Model.ClusterMember> members;
        try { members = new StateStore(directory).Read().Members; }
        catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException) { yield break; }
        string prefix = wordToComplete.Trim('\'', '"');
        foreach (var m in members.Where(m => m.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).OrderBy(m => m.Name))
            yield return new CompletionResult(m.Name, m.Name, CompletionResultType.ParameterValue, $"{m.Name} ({m.Role}, {string.Join(", ", m.Paths)})");
    }
}
