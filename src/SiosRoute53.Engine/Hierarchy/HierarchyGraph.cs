using SiosRoute53.Model;

namespace SiosRoute53.Hierarchy;

/// <summary>
/// The dependency graph of a node's resources, pure: restore order (children first), remove order (parents first),
/// roots and descendants all come from one depth-first walk, which refuses a cycle (a hand-edited or received
/// state) with a clear error instead of recursing forever.
/// </summary>
public sealed class HierarchyGraph
{
    private readonly NodeState _state;

    public HierarchyGraph(NodeState state) => _state = state;

    public static HierarchyGraph Of(NodeState state) => new(state);

    /// <summary>The resource and everything below it, children before parents.</summary>
    public List<string> RestoreOrder(string tag) => Walk(tag, _state.ChildrenOf, "depends on");

    /// <summary>The resource and everything above it, parents before children.</summary>
    public List<string> RemoveOrder(string tag) => Walk(tag, _state.ParentsOf, "is needed by");

    /// <summary>Everything below the resource (not itself).</summary>
    public List<string> Descendants(string tag) => RestoreOrder(tag).Where(t => !Same(t, tag)).ToList();

    /// <summary>Everything above and below the resource: parents first, then the resource, then its children.</summary>
    public List<string> WholeHierarchyRemoveOrder(string tag)
    {
        var order = RemoveOrder(tag);
        foreach (var below in Enumerable.Reverse(RestoreOrder(tag)))
            if (!order.Contains(below, StringComparer.OrdinalIgnoreCase)) order.Add(below);
        return order;
    }

    /// <summary>The tops of the hierarchies the resource belongs to (itself when nothing depends on it).</summary>
    public List<string> RootsAbove(string tag) => RemoveOrder(tag).Where(t => !_state.ParentsOf(t).Any()).ToList();

    private static bool Same(string a, string b) => a.Equals(b, StringComparison.OrdinalIgnoreCase);

    private List<string> Walk(string start, Func<string, IEnumerable<string>> next, string relation)
    {
        var order = new List<string>();
        var done = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var path = new List<string>();
        void Visit(string t)
        {
            if (done.Contains(t)) return;
            int at = path.FindIndex(p => Same(p, t));
            if (at >= 0)
                throw new DefinitionException(
                    $"The dependencies form a cycle: {string.Join($" {relation} ", path.Skip(at).Append(t))}. A hierarchy cannot depend on itself; " +
                    "remove one of these dependencies with Remove-HaDependency (or restore the state file from state.json.bak).");
            path.Add(t);
            foreach (var n in next(t)) Visit(n);
            path.RemoveAt(path.Count - 1);
            done.Add(t);
            order.Add(_state.Find(t)?.Tag ?? t);
        }
        Visit(start);
        return order;
    }
}
