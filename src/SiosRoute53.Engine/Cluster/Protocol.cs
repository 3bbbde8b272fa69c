using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace SiosRoute53.Cluster;

/// <summary>
/// A message between agents. <see cref="Body"/> is the type-specific payload. Everything here is under the MAC, so
/// a frame is bound to its sender (<see cref="From"/>), its destination (<see cref="To"/>: the address:port the
/// sender connected to) and its purpose (a request, or the answer to the request whose nonce is <see cref="ReplyTo"/>).
/// </summary>
public sealed record AgentMessage
{
    /// <summary>The protocol version the sender speaks; 0 when the frame has none (the first protocol).</summary>
    public int Version { get; init; }
    public required string Type { get; init; }
    public required string From { get; init; }
    public string To { get; init; } = "";
    public required string Cluster { get; init; }
    public long TimeMs { get; init; }
    public string Nonce { get; init; } = "";
    public string ReplyTo { get; init; } = "";
    public JsonElement Body { get; init; }

    public T BodyAs<T>() => Body.Deserialize<T>(Protocol.Json) ?? throw new ProtocolException($"A {Type} message has an empty body.");
}

/// <summary>Why a frame was refused: what the rejection history counts by.</summary>
public enum RejectionReason
{
    Malformed,
    Oversized,
    Truncated,
    Timeout,
    WrongKey,
    WrongVersion,
    WrongCluster,
    WrongDestination,
    NotARequest,
    NotTheAnswer,
    Stale,
    Replay,
}

/// <summary>A frame was refused: bad MAC, replay, stale, oversized, malformed, wrong cluster, wrong destination.</summary>
public sealed class ProtocolException(string message, RejectionReason reason = RejectionReason.Malformed) : Exception(message)
{
    public RejectionReason Reason { get; } = reason;
}

/// <summary>
/// The wire format: [4-byte big-endian length][32-byte HMAC-SHA256 of the payload][payload: UTF-8 JSON]. A frame
/// is refused when it is larger than <see cref="MaxPayload"/>, its MAC does not verify with the cluster key, it
/// speaks another <see cref="Version"/>, its time is more than <see cref="Skew"/> from ours, or its nonce was seen
/// before (a replay). A request is also refused by any endpoint but the one it was sent to, and an answer by anyone
/// but the sender of the request it answers: a frame captured on its way to one member is worth nothing at another.
/// </summary>
public static class Protocol
{
    /// <summary>2: frames name their destination and answers name their request.</summary>
    public const int Version = 2;
    public const int MaxPayload = 512 * 1024;
    public static readonly TimeSpan Skew = TimeSpan.FromSeconds(60);
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>An unaddressed message; <see cref="PeerClient"/> addresses requests, <see cref="EncodeAnswer"/> answers.</summary>
    public static AgentMessage Create<T>(string type, string from, string cluster, T body, TimeProvider time) => new()
    {
        Version = Version,
        Type = type,
        From = from,
        Cluster = cluster,
        TimeMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        Nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
        Body = JsonSerializer.SerializeToElement(body, Json),
    };

    /// <summary>A request to the agent listening on <paramref name="to"/> (address:port, as connected to).</summary>
    public static AgentMessage Request<T>(string type, string from, string cluster, string to, T body, TimeProvider time) =>
        Create(type, from, cluster, body, time) with { To = to };

    public static byte[] Encode(AgentMessage message, ClusterKey key)
    {
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(message, Json);
        if (payload.Length > MaxPayload) throw new ProtocolException($"A {message.Type} message is {payload.Length} bytes; the limit is {MaxPayload}.", RejectionReason.Oversized);
        var frame = new byte[4 + 32 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, 32 + payload.Length);
        key.Mac(payload).CopyTo(frame, 4);
        payload.CopyTo(frame, 36);
        return frame;
    }

    /// <summary>Encodes <paramref name="answer"/> as the answer to <paramref name="request"/> and nothing else.</summary>
    public static byte[] EncodeAnswer(AgentMessage answer, AgentMessage request, ClusterKey key) =>
        Encode(answer with { To = request.From, ReplyTo = request.Nonce }, key);

    /// <summary>The form of an endpoint that <see cref="AgentMessage.To"/> carries: address:port, IPv4 unmapped.</summary>
    public static string EndpointText(EndPoint? endpoint) => endpoint switch
    {
        IPEndPoint ip when ip.Address.IsIPv4MappedToIPv6 => new IPEndPoint(ip.Address.MapToIPv4(), ip.Port).ToString(),
        IPEndPoint ip => ip.ToString(),
        _ => "",
    };

    /// <summary>
    /// Reads one request that arrived on <paramref name="local"/> (the accepted connection's local endpoint)
    /// within <paramref name="timeout"/>, verifies it, and returns it.
    /// </summary>
    public static async Task<AgentMessage> ReadRequestAsync(Stream stream, ClusterKey key, string cluster, EndPoint? local, ReplayGuard replay,
        TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var message = await ReadAsync(stream, key, cluster, time, timeout, cancellationToken).ConfigureAwait(false);
        if (message.ReplyTo.Length > 0)
            throw new ProtocolException($"a {message.Type} answer from '{message.From}' was sent as a request", RejectionReason.NotARequest);
        string here = EndpointText(local);
        if (!string.Equals(message.To, here, StringComparison.OrdinalIgnoreCase))
            throw new ProtocolException($"a {message.Type} from '{message.From}' is addressed to '{message.To}', not to this endpoint ({here})", RejectionReason.WrongDestination);
        if (!replay.FirstSighting(message.Nonce, DateTimeOffset.FromUnixTimeMilliseconds(message.TimeMs)))
            throw new ProtocolException($"a {message.Type} from '{message.From}' was seen before (replay)", RejectionReason.Replay);
        return message;
    }

    /// <summary>Reads the answer to <paramref name="request"/>: any other frame, however valid, is refused.</summary>
    public static async Task<AgentMessage> ReadAnswerAsync(Stream stream, ClusterKey key, string cluster, AgentMessage request,
        TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var message = await ReadAsync(stream, key, cluster, time, timeout, cancellationToken).ConfigureAwait(false);
        if (message.ReplyTo != request.Nonce || !string.Equals(message.To, request.From, StringComparison.OrdinalIgnoreCase))
            throw new ProtocolException($"a {message.Type} from '{message.From}' does not answer this node's {request.Type}", RejectionReason.NotTheAnswer);
        return message;
    }

    /// <summary>One frame, its MAC, version, cluster and time verified; binding and replay are the callers'.</summary>
    private static async Task<AgentMessage> ReadAsync(Stream stream, ClusterKey key, string cluster, TimeProvider time,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var header = new byte[4];
        try
        {
            await stream.ReadExactlyAsync(header, limit.Token).ConfigureAwait(false);
            int length = BinaryPrimitives.ReadInt32BigEndian(header);
            if (length < 33 || length > 32 + MaxPayload) throw new ProtocolException($"frame length {length} is out of bounds", RejectionReason.Oversized);
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, limit.Token).ConfigureAwait(false);
            var payload = body.AsSpan(32);
            if (!key.Verify(payload, body.AsSpan(0, 32)))
                throw new ProtocolException("the message authentication code does not verify (wrong cluster key?)", RejectionReason.WrongKey);
            AgentMessage? message;
            try { message = JsonSerializer.Deserialize<AgentMessage>(payload, Json); }
            catch (JsonException e) { throw new ProtocolException("the payload is not a message: " + e.Message); }
            if (message is null) throw new ProtocolException("the payload is empty");
            if (message.Version != Version)
                throw new ProtocolException($"the message speaks protocol version {(message.Version == 0 ? "1" : message.Version)}; this node speaks {Version} (upgrade every member)", RejectionReason.WrongVersion);
            if (message.Cluster != cluster) throw new ProtocolException($"the message is for cluster '{message.Cluster}', not '{cluster}'", RejectionReason.WrongCluster);
            var sent = DateTimeOffset.FromUnixTimeMilliseconds(message.TimeMs);
            if ((time.GetUtcNow() - sent).Duration() > Skew)
                throw new ProtocolException($"the message time {sent:u} is more than {Skew.TotalSeconds:0} s from this node's clock", RejectionReason.Stale);
            return message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProtocolException($"no complete frame within {timeout.TotalSeconds:0.#} s", RejectionReason.Timeout);
        }
        catch (EndOfStreamException)
        {
            throw new ProtocolException("the connection closed in the middle of a frame", RejectionReason.Truncated);
        }
    }
}

/// <summary>Remembers the nonces of the last <see cref="Protocol.Skew"/>×2, so a captured frame cannot be played again.</summary>
public sealed class ReplayGuard(TimeProvider time)
{
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public bool FirstSighting(string nonce, DateTimeOffset sent)
    {
        if (string.IsNullOrEmpty(nonce) || nonce.Length > 64) return false;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_seen.Count > 10000)
                foreach (var old in _seen.Where(kv => now - kv.Value > Protocol.Skew * 2).Select(kv => kv.Key).ToList()) _seen.Remove(old);
            if (_seen.ContainsKey(nonce)) return false;
            _seen[nonce] = sent;
            return true;
        }
    }
}

/// <summary>
/// Puts every refused frame in the history without letting a flood fill it: in each <see cref="Window"/>, the
/// first refusal of each <see cref="RejectionReason"/> is recorded on its own, with its source and reason; the
/// rest are counted by reason and source and recorded as one summary when the window ends (or on
/// <see cref="Flush"/>). Sources are addresses (ports are ephemeral); a summary names the busiest and the latest
/// ones. A wrong-key frame after a burst of garbage is recorded on its own; one after a burst of wrong-key frames
/// is in the summary, with its source. No refusal goes unrecorded.
/// </summary>
public sealed class RejectionHistory : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int BusiestShown = 10;
    private const int LatestShown = 3;
    private readonly TimeProvider _time;
    private readonly Action<string> _record;
    private readonly ITimer _timer;
    private readonly object _gate = new();
    private readonly HashSet<RejectionReason> _shown = new();
    private readonly SortedDictionary<RejectionReason, Dictionary<string, int>> _counted = new();
    private readonly SortedDictionary<RejectionReason, List<string>> _latest = new();
    private long _windowStart;
    private bool _disposed;

    /// <param name="record">Writes one entry to the history (the agent's security/rejected event).</param>
    public RejectionHistory(TimeProvider time, Action<string> record)
    {
        _time = time;
        _record = record;
        _windowStart = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Flush(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Add(string source, ProtocolException refusal)
    {
        string? single = null, summary = null;
        lock (_gate)
        {
            if (_disposed) return;
            if (_time.GetElapsedTime(_windowStart) >= Window) summary = EndWindow();
            if (_shown.Add(refusal.Reason))
                single = $"Refused a frame from {source}: {refusal.Message}.";
            else
            {
                if (_counted.Count == 0) _timer.Change(Window - _time.GetElapsedTime(_windowStart), Timeout.InfiniteTimeSpan);
                string address = Address(source);
                var sources = _counted.TryGetValue(refusal.Reason, out var s) ? s : _counted[refusal.Reason] = new(StringComparer.Ordinal);
                sources[address] = sources.GetValueOrDefault(address) + 1;
                var latest = _latest.TryGetValue(refusal.Reason, out var l) ? l : _latest[refusal.Reason] = new();
                latest.Remove(address);
                latest.Add(address);
                if (latest.Count > LatestShown) latest.RemoveAt(0);
            }
        }
        if (summary is not null) _record(summary);
        if (single is not null) _record(single);
    }

    /// <summary>Records what was counted since the window began, and begins a new one.</summary>
    public void Flush()
    {
        string? summary;
        lock (_gate) summary = EndWindow();
        if (summary is not null) _record(summary);
    }

    private string? EndWindow()
    {
        double seconds = _time.GetElapsedTime(_windowStart).TotalSeconds;
        _windowStart = _time.GetTimestamp();
        _shown.Clear();
        if (_counted.Count == 0) return null;
        int total = _counted.Values.Sum(s => s.Values.Sum());
        string parts = string.Join("; ", _counted.Select(kv =>
        {
            var shown = kv.Value.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).Take(BusiestShown).Select(s => s.Key)
                .Union(_latest[kv.Key], StringComparer.Ordinal).ToList();
            string from = string.Join(", ", shown.Select(a => $"{a} x{kv.Value[a]}"))
                          + (kv.Value.Count > shown.Count ? $" and {kv.Value.Count - shown.Count} more source(s)" : "");
            return $"{kv.Value.Values.Sum()} {Describe(kv.Key)} (from {from})";
        }));
        _counted.Clear();
        _latest.Clear();
        return $"Refused {total} more frame(s) in the last {seconds:0} s: {parts}.";
    }

    private static string Address(string source) =>
        IPEndPoint.TryParse(source, out var endpoint) && endpoint.Port != 0 ? endpoint.Address.ToString() : source;

    public static string Describe(RejectionReason reason) => reason switch
    {
        RejectionReason.WrongKey => "with a MAC that does not verify (wrong key)",
        RejectionReason.Replay => "seen before (replay)",
        RejectionReason.WrongDestination => "addressed to another endpoint",
        RejectionReason.NotARequest => "answers sent as requests",
        RejectionReason.NotTheAnswer => "not the answer awaited",
        RejectionReason.Stale => "too far from this node's clock",
        RejectionReason.WrongCluster => "for another cluster",
        RejectionReason.WrongVersion => "of another protocol version",
        RejectionReason.Oversized => "with a length out of bounds",
        RejectionReason.Truncated => "cut off mid-frame",
        RejectionReason.Timeout => "not complete in time",
        _ => "malformed",
    };

    public void Dispose()
    {
        Flush();
        lock (_gate) _disposed = true;
        _timer.Dispose();
    }
}

/// <summary>One request and its answer over a fresh TCP connection to a peer's communication path.</summary>
public sealed class PeerClient(ClusterKey key, string cluster, string self, TimeProvider time)
{
    public async Task<AgentMessage> RequestAsync<T>(string path, string type, T body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (host, port) = ParsePath(path);
        using var client = new TcpClient();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await client.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            // Addressed to the endpoint actually connected to: the only one that will accept it.
            var request = Protocol.Request(type, self, cluster, Protocol.EndpointText(client.Client.RemoteEndPoint), body, time);
            await stream.WriteAsync(Protocol.Encode(request, key), limit.Token).ConfigureAwait(false);
            var reply = await Protocol.ReadAnswerAsync(stream, key, cluster, request, time, timeout, limit.Token).ConfigureAwait(false);
            if (reply.Type == "error") throw new PeerRequestException(path, reply.BodyAs<ErrorBody>().Message);
            return reply;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PeerRequestException(path, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is SocketException or IOException or ProtocolException)
        {
            throw new PeerRequestException(path, e.Message);
        }
    }

    public static (string Host, int Port) ParsePath(string path)
    {
        int colon = path.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(path[(colon + 1)..], out int port) || port is < 1 or > 65535)
            throw new ArgumentException($"Communication path '{path}' is not address:port, e.g. 10.0.1.10:7353.");
        return (path[..colon].Trim('[', ']'), port);
    }
}

public sealed class PeerRequestException(string path, string message) : Exception($"{path}: {message}")
{
    public string Path { get; } = path;
}

public sealed record ErrorBody(string Message);
