using SiosRoute53.Kits;

namespace SiosRoute53.Model;

/// <summary>A resource as an operator sees it on one node: what it is, its state there, and its place in the hierarchy.</summary>
public sealed class HaResource
{
    public required string Tag { get; init; }
    public required ResourceKind Kind { get; init; }
    public required string Node { get; init; }
    public required ResourceState State { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset Since { get; init; }
    public int Priority { get; init; }

    /// <summary>A one-line summary of the kind's settings: the address, the record, the commands.</summary>
    public required string Detail { get; init; }

    public IReadOnlyList<string> Parents { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Children { get; init; } = Array.Empty<string>();
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
    public string? BusyAction { get; init; }

    public override string ToString() => $"{Tag} ({Kind}) {State} on {Node}";
}

/// <summary>One step of a start or stop: one kit action on one resource.</summary>
public sealed class HaStep
{
    public required string Tag { get; init; }
    public required string Action { get; init; }
    public required string Outcome { get; init; }
    public required string Message { get; init; }
    public TimeSpan Duration { get; init; }
    public int ApiCalls { get; init; }
}

/// <summary>What Start-HaResource or Stop-HaResource did.</summary>
public sealed class HaOperationResult
{
    public required string Operation { get; init; }
    public required string Tag { get; init; }
    public required string Node { get; init; }
    public required bool Succeeded { get; init; }
    public required string Message { get; init; }
    public TimeSpan Duration { get; init; }
    public IReadOnlyList<HaStep> Steps { get; init; } = Array.Empty<HaStep>();
    public IReadOnlyList<HaResource> Resources { get; init; } = Array.Empty<HaResource>();
}

/// <summary>One resource's quickCheck (and recovery) result.</summary>
public sealed class HaCheckResult
{
    public required string Tag { get; init; }
    public required ResourceKind Kind { get; init; }
    public required string Node { get; init; }
    public required CheckOutcome Outcome { get; init; }
    public required string Message { get; init; }

    /// <summary>Recovery ran, and how it ended: null when it did not run.</summary>
    public bool? Recovered { get; init; }

    /// <summary>What recovery repaired, when it did (e.g. "swapped app.example.com. from 10.0.2.10 to 10.0.1.10; INSYNC after 2.1 s").</summary>
    public string? Repair { get; init; }
    public required ResourceState State { get; init; }

    /// <summary>Route 53 calls made by the check of this resource's zone (shared by every resource in that zone).</summary>
    public int ApiCalls { get; init; }

    /// <summary>Route 53 calls made by the whole check.</summary>
    public int CycleApiCalls { get; init; }
    public TimeSpan Duration { get; init; }
    public DateTimeOffset Time { get; init; }

    /// <summary>
    /// True when a scheduler should raise an alarm: the resource failed and was not recovered, or the check was refused
    /// for wrong credentials or permissions.
    /// </summary>
    public bool NeedsAttention => Outcome == CheckOutcome.Failed && Recovered != true || Outcome == CheckOutcome.Misconfigured;
}

/// <summary>
/// What a scheduled health check tells its scheduler, as a process exit code: 0 healthy, 1 something failed or is
/// misconfigured (alert), 3 the check could not judge (Route 53 unreachable, a previous check still running; like
/// Nagios's UNKNOWN, never a reason to fail over).
/// </summary>
public static class HealthExitCodes
{
    public const int Healthy = 0;
    public const int Failed = 1;
    public const int Unknown = 3;

    public static int Of(IReadOnlyList<HaCheckResult> results) =>
        results.Any(r => r.NeedsAttention) ? Failed : results.Any(r => r.Outcome == CheckOutcome.Unknown) ? Unknown : Healthy;

    /// <summary>The code when the check itself could not run: busy is unknown, anything else (no state, a broken store) fails.</summary>
    public static int Of(Exception error) => error is ResourceBusyException or Route53.Route53Exception ? Unknown : Failed;
}
