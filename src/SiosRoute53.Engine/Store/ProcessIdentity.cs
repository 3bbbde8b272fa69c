using System.Diagnostics;
using System.Globalization;

namespace SiosRoute53.Store;

/// <summary>
/// A process named by its id and its start time, so a lease of a killed process is not mistaken for one of a later
/// process that got the same id.
/// </summary>
public sealed record ProcessIdentity(int Pid, long StartTime)
{
    private static readonly Lazy<ProcessIdentity> CurrentValue = new(() => new ProcessIdentity(Environment.ProcessId, StartTimeOf(Environment.ProcessId) ?? 0));

    public static ProcessIdentity Current => CurrentValue.Value;

    /// <summary>True while this very process runs (same id, same start time); a start time of 0 compares the id only.</summary>
    public bool IsAlive()
    {
        if (Pid == Environment.ProcessId) return StartTime == 0 || StartTime == Current.StartTime;
        if (OperatingSystem.IsLinux())
        {
            var started = StartTimeOf(Pid);
            return started is not null && (StartTime == 0 || started == StartTime);
        }
        try { using var p = Process.GetProcessById(Pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>The process's start time in clock ticks since boot (/proc/PID/stat field 22); null when it is gone.</summary>
    public static long? StartTimeOf(int pid)
    {
        if (!OperatingSystem.IsLinux()) return null;
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        int close = text.LastIndexOf(')');
        if (close < 0) return null;
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state); the start time is field 22.
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
    }
}
