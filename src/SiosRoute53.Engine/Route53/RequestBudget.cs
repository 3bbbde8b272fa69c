namespace SiosRoute53.Route53;

/// <summary>
/// A token bucket shared by every client in the process that talks to the same endpoint, so the node as a whole
/// stays under Route 53's account limit (5 requests per second) instead of each caller on its own.
/// </summary>
public sealed class RequestBudget
{
    private static readonly Dictionary<string, RequestBudget> Shared = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _burst;
    private readonly object _gate = new();
    private double _tokens;
    private long _lastTimestamp;

    public RequestBudget(double requestsPerSecond, double burst, TimeProvider? time = null)
    {
        if (requestsPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(requestsPerSecond), requestsPerSecond, "The request rate must be positive.");
        _time = time ?? TimeProvider.System;
        _perSecond = requestsPerSecond;
        _burst = Math.Max(1, burst);
        _tokens = _burst;
        _lastTimestamp = _time.GetTimestamp();
    }

    public double RequestsPerSecond => _perSecond;

    /// <summary>
    /// The process-wide budget for one endpoint and rate. No burst: requests are spaced evenly, so that no one-second
    /// window ever holds more than the rate, whichever way Route 53 counts.
    /// </summary>
    public static RequestBudget For(Uri endpoint, double requestsPerSecond)
    {
        string key = endpoint.GetLeftPart(UriPartial.Authority) + "|" + requestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (Shared)
        {
            if (!Shared.TryGetValue(key, out var budget))
                Shared[key] = budget = new RequestBudget(requestsPerSecond, burst: 1);
            return budget;
        }
    }

    /// <summary>Waits until a request may go out.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                long now = _time.GetTimestamp();
                _tokens = Math.Min(_burst, _tokens + _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds * _perSecond);
                _lastTimestamp = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return;
                }
                wait = TimeSpan.FromSeconds((1 - _tokens) / _perSecond);
            }
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
