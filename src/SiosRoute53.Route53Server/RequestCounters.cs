using System.Collections.Concurrent;

namespace SiosRoute53.Route53Server;

/// <summary>What one operation was asked, since the start or the last reset.</summary>
public sealed record OperationCount(long Requests, long Throttled, long Errors);

/// <summary>
/// Requests per API operation (GetChange, ChangeResourceRecordSets, sts:AssumeRole, …), with how many were answered
/// Throttling or another error, so a benchmark can count what each tool asked. Resettable while the server runs.
/// </summary>
public sealed class RequestCounters
{
    private sealed class Counter
    {
        public long Requests, Throttled, Errors;
    }

    private ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    internal void Request(string operation) => Interlocked.Increment(ref Get(operation).Requests);

    internal void Refused(string operation, string code)
    {
        var c = Get(operation);
        if (code == ErrorCodes.Throttling) Interlocked.Increment(ref c.Throttled);
        else Interlocked.Increment(ref c.Errors);
    }

    private Counter Get(string operation) => _counters.GetOrAdd(operation, _ => new Counter());

    /// <summary>The counts now, by operation.</summary>
    public IReadOnlyDictionary<string, OperationCount> Snapshot() => Read(_counters);

    /// <summary>Starts counting from zero; returns the counts up to now.</summary>
    public IReadOnlyDictionary<string, OperationCount> Reset() =>
        Read(Interlocked.Exchange(ref _counters, new ConcurrentDictionary<string, Counter>(StringComparer.Ordinal)));

    private static IReadOnlyDictionary<string, OperationCount> Read(ConcurrentDictionary<string, Counter> counters) =>
        counters.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(
            kv => kv.Key,
            kv => new OperationCount(Interlocked.Read(ref kv.Value.Requests), Interlocked.Read(ref kv.Value.Throttled), Interlocked.Read(ref kv.Value.Errors)),
            StringComparer.Ordinal);
}
