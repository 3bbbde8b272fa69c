using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cluster;

/// <summary>The agent's history: every decision and fault is an event (with the rule that made it) and a log line.</summary>
public sealed class ClusterEvents(StateStore store, TimeProvider time, Action<string> log)
{
    public string Node { get; set; } = "";

    public void Log(string line) => log(line);

    public void Record(string? tag, string action, string outcome, string message, TimeSpan? duration = null, string? rule = null)
    {
        log($"{action} {outcome}: {(tag is null ? "" : tag + ": ")}{message}{(rule is null ? "" : $" [{rule}]")}");
        try
        {
            new EventLog(store, () => Node, time).Record(tag, action, outcome, message, duration, rule: rule);
        }
        catch (Exception e) when (e is StoreException or IOException or UnauthorizedAccessException) { log("cannot record the event: " + e.Message); }
    }

    /// <summary>Rule 9: an unexpected exception in a loop is an event naming its type; the loop goes on.</summary>
    public void Fault(string loop, Exception e) =>
        Record(null, "agent", "error", $"The {loop} loop met {e.GetType().Name}: {e.Message} It goes on.", rule: PlannerRule.LoopSurvivesFault);
}
