using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SiosRoute53.Route53;

/// <summary>
/// Route 53 allows 5 requests per second per account, and everything a node does shares it: the agent, scheduled
/// checks and interactive cmdlets, each its own process. The budget hands out evenly spaced send slots (no burst, so no
/// one-second window ever holds more than the rate). The next free slot lives in a small file under the node's run
/// directory, taken under an exclusive lock, so every process on the node draws from the same budget; if that file
/// cannot be used the budget falls back to this process alone rather than ever blocking a failover.
/// </summary>
public sealed class RequestBudget
{
    private static readonly Dictionary<string, RequestBudget> Shared = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _spacing;
    private readonly object _gate = new();
    private readonly string? _file;
    private DateTimeOffset _next;

    /// <param name="file">The slot file shared with other processes; null for a budget of this process alone.</param>
    public RequestBudget(double requestsPerSecond, string? file = null, TimeProvider? time = null)
    {
        if (requestsPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(requestsPerSecond), requestsPerSecond, "The request rate must be positive.");
        _time = time ?? TimeProvider.System;
        // 2 % slower than the rate: a request leaves a little after its slot, and jitter must not put a sixth one into
        // the account's one-second window.
        _spacing = TimeSpan.FromSeconds(1.02 / requestsPerSecond);
        _file = file;
        RequestsPerSecond = requestsPerSecond;
    }

    public double RequestsPerSecond { get; }

    /// <summary>$SIOSR53_RUN_DIR, else /run/siosroute53 for root, else a per-user folder under the temp directory.</summary>
    public static string RunDirectory =>
        Environment.GetEnvironmentVariable("SIOSR53_RUN_DIR") is { Length: > 0 } dir ? dir
        : Environment.UserName == "root" ? "/run/siosroute53"
        : Path.Combine(Path.GetTempPath(), "siosroute53-" + Environment.UserName);

    /// <summary>
    /// The node-wide budget for one endpoint and rate; on a clock other than the system's (a test's) the client's
    /// own budget on that clock, since slots on two clocks cannot share a file.
    /// </summary>
    public static RequestBudget For(Uri endpoint, double requestsPerSecond, TimeProvider? time = null)
    {
        if (time is not null && time != TimeProvider.System) return new RequestBudget(requestsPerSecond, null, time);
        string authority = endpoint.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
        string rate = requestsPerSecond.ToString("0.###", CultureInfo.InvariantCulture);
        string key = authority + "|" + rate;
        lock (Shared)
        {
            if (!Shared.TryGetValue(key, out var budget))
            {
                string name = $"budget-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(authority)))[..16]}-{rate}";
                Shared[key] = budget = new RequestBudget(requestsPerSecond, Path.Combine(RunDirectory, name));
            }
            return budget;
        }
    }

    /// <summary>Waits until this request's slot.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        var wait = Reserve() - _time.GetUtcNow();
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
    }

    private DateTimeOffset Reserve()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_file is not null && ReserveShared(now) is { } slot) return slot;
            var local = _next > now ? _next : now;
            _next = local + _spacing;
            return local;
        }
    }

    /// <summary>The next slot from the shared file, or null when the file cannot be used.</summary>
    private DateTimeOffset? ReserveShared(DateTimeOffset now)
    {
        try
        {
            // Another local user must not control the slot file: the directory is ours and private, no link is followed.
            Store.SecureFiles.EnsurePrivateDirectory(Path.GetDirectoryName(_file)!, "run directory");
            var deadline = now + TimeSpan.FromSeconds(2);
            while (true)
            {
                try
                {
                    using var stream = Store.SecureFiles.TryLock(_file!) ?? throw new IOException("busy");
                    Span<byte> buffer = stackalloc byte[8];
                    long next = stream.Read(buffer) == 8 ? BinaryPrimitives.ReadInt64LittleEndian(buffer) : 0;
                    // A slot far in the future is a clock that went back, or garbage: start again from now.
                    var reserved = next > now.UtcTicks && next - now.UtcTicks < TimeSpan.TicksPerMinute ? new DateTimeOffset(next, TimeSpan.Zero) : now;
                    BinaryPrimitives.WriteInt64LittleEndian(buffer, (reserved + _spacing).UtcTicks);
                    stream.Position = 0;
                    stream.Write(buffer);
                    return reserved;
                }
                catch (IOException) when (_time.GetUtcNow() < deadline)
                {
                    Thread.Sleep(1);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Store.StoreException)
        {
            return null;
        }
    }
}
