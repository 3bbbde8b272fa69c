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
/// A Throttling answer anywhere on the node slows the whole node at once: for <see cref="CalmPeriod"/> after it, slots
/// are at least <see cref="ThrottledSpacing"/> apart, so during a throttling storm the node adds about one request a
/// second to it, whatever its agent, checks and cmdlets want.
/// </summary>
public sealed class RequestBudget
{
    private static readonly Dictionary<string, RequestBudget> Shared = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _spacing;
    private readonly object _gate = new();
    private readonly string? _file;
    private DateTimeOffset _next;
    private DateTimeOffset _calmUntil;

    /// <summary>The longest spacing of slots after a Throttling answer.</summary>
    public static readonly TimeSpan ThrottledSpacing = TimeSpan.FromSeconds(1);

    /// <summary>How long after the last Throttling answer the node keeps to <see cref="ThrottledSpacing"/>.</summary>
    public static readonly TimeSpan CalmPeriod = TimeSpan.FromSeconds(5);

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

    /// <summary>True while the node keeps to one request a second after a Throttling answer.</summary>
    public bool IsCalming
    {
        get
        {
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (_file is not null && SharedFile(now, reserve: false, throttled: false) is { } state) return now < state.CalmUntil;
                return now < _calmUntil;
            }
        }
    }

    /// <summary>Route 53 answered Throttling: the whole node slows down at once (next slot a second away at least).</summary>
    public void NoteThrottled()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_file is not null && SharedFile(now, reserve: false, throttled: true) is not null) return;
            _calmUntil = now + CalmPeriod;
            if (_next < now + ThrottledSpacing) _next = now + ThrottledSpacing;
        }
    }

    private TimeSpan SpacingAt(DateTimeOffset now, DateTimeOffset calmUntil) =>
        now < calmUntil && _spacing < ThrottledSpacing ? ThrottledSpacing : _spacing;

    private DateTimeOffset Reserve()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_file is not null && SharedFile(now, reserve: true, throttled: false) is { } state) return state.Slot;
            var local = _next > now ? _next : now;
            _next = local + SpacingAt(now, _calmUntil);
            return local;
        }
    }

    /// <summary>
    /// Reads and updates the shared file: 8 bytes of next free slot, 8 bytes of "calm until" (ticks, UTC). Reserving
    /// takes the next slot; a throttled answer pushes the next slot a second away and starts the calm period.
    /// Null when the file cannot be used.
    /// </summary>
    private (DateTimeOffset Slot, DateTimeOffset CalmUntil)? SharedFile(DateTimeOffset now, bool reserve, bool throttled)
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
                    Span<byte> buffer = stackalloc byte[16];
                    int read = stream.Read(buffer);
                    long next = read >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(buffer) : 0;
                    long calm = read == 16 ? BinaryPrimitives.ReadInt64LittleEndian(buffer[8..]) : 0;
                    // A time far in the future is a clock that went back, or garbage: start again from now.
                    var slot = next > now.UtcTicks && next - now.UtcTicks < TimeSpan.TicksPerMinute ? new DateTimeOffset(next, TimeSpan.Zero) : now;
                    var calmUntil = calm > now.UtcTicks && calm - now.UtcTicks <= CalmPeriod.Ticks ? new DateTimeOffset(calm, TimeSpan.Zero) : DateTimeOffset.MinValue;
                    if (!reserve && !throttled) return (slot, calmUntil);
                    var following = slot;
                    if (reserve) following = slot + SpacingAt(now, calmUntil);
                    if (throttled)
                    {
                        calmUntil = now + CalmPeriod;
                        if (following < now + ThrottledSpacing) following = now + ThrottledSpacing;
                    }
                    BinaryPrimitives.WriteInt64LittleEndian(buffer, following.UtcTicks);
                    BinaryPrimitives.WriteInt64LittleEndian(buffer[8..], calmUntil == DateTimeOffset.MinValue ? 0 : calmUntil.UtcTicks);
                    stream.Position = 0;
                    stream.Write(buffer);
                    return (slot, calmUntil);
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
