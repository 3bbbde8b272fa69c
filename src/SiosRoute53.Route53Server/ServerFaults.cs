namespace SiosRoute53.Route53Server;

/// <summary>
/// Limits and injected faults, all changeable while the server runs (in-process, or over the control endpoint).
/// Reads and writes are plain property sets: each request takes one consistent snapshot.
/// </summary>
public sealed class ServerFaults
{
    private readonly object _gate = new();
    private FaultSnapshot _current = new();

    public FaultSnapshot Current
    {
        get { lock (_gate) return _current; }
    }

    public void Set(FaultSnapshot value)
    {
        ArgumentNullException.ThrowIfNull(value);
        value.Validate();
        lock (_gate) _current = value;
    }

    public void Update(Func<FaultSnapshot, FaultSnapshot> change)
    {
        lock (_gate)
        {
            var next = change(_current);
            next.Validate();
            _current = next;
        }
    }

    /// <summary>Takes one request out of a pending throttling storm; true when this request is to be throttled.</summary>
    internal bool ConsumeStorm()
    {
        lock (_gate)
        {
            if (_current.ThrottleNextRequests <= 0) return false;
            _current = _current with { ThrottleNextRequests = _current.ThrottleNextRequests - 1 };
            return true;
        }
    }
}

public sealed record FaultSnapshot
{
    /// <summary>Requests per second the whole server accepts before answering Throttling; 0 = no limit. Route 53's is 5.</summary>
    public double RequestsPerSecond { get; init; }

    /// <summary>The next N requests are answered with Throttling whatever the rate (a throttling storm).</summary>
    public int ThrottleNextRequests { get; init; }

    /// <summary>A change to a zone within this time of the previous one gets PriorRequestNotComplete; zero = off.</summary>
    public TimeSpan PriorRequestWindow { get; init; }

    /// <summary>Added before every answer.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Share of requests (0–1) answered with HTTP 500 InternalFailure.</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>Share of requests (0–1) whose connection is dropped without an answer.</summary>
    public double DropRate { get; init; }

    /// <summary>When true every API request fails with 503 ServiceUnavailable (an outage).</summary>
    public bool Outage { get; init; }

    public void Validate()
    {
        if (RequestsPerSecond < 0) throw new ArgumentOutOfRangeException(nameof(RequestsPerSecond), RequestsPerSecond, "Must be 0 (off) or positive.");
        if (ThrottleNextRequests < 0) throw new ArgumentOutOfRangeException(nameof(ThrottleNextRequests), ThrottleNextRequests, "Must be 0 or positive.");
        if (PriorRequestWindow < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(PriorRequestWindow), PriorRequestWindow, "Must not be negative.");
        if (Latency < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Latency), Latency, "Must not be negative.");
        if (ServerErrorRate is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ServerErrorRate), ServerErrorRate, "Must be between 0 and 1.");
        if (DropRate is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(DropRate), DropRate, "Must be between 0 and 1.");
    }
}
