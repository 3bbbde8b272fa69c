using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace SiosRoute53.Cluster;

/// <summary>A message between agents. <see cref="Body"/> is the type-specific payload.</summary>
public sealed record AgentMessage
{
    public required string Type { get; init; }
    public required string From { get; init; }
    public required string Cluster { get; init; }
    public long TimeMs { get; init; }
    public string Nonce { get; init; } = "";
    public JsonElement Body { get; init; }

    public T BodyAs<T>() => Body.Deserialize<T>(Protocol.Json) ?? throw new ProtocolException($"A {Type} message has an empty body.");
}

/// <summary>A frame was refused: bad MAC, replay, stale, oversized, malformed, wrong cluster.</summary>
public sealed class ProtocolException(string message) : Exception(message);

/// <summary>
/// The wire format: [4-byte big-endian length][32-byte HMAC-SHA256 of the payload][payload: UTF-8 JSON]. A frame
/// is refused when it is larger than <see cref="MaxPayload"/>, its MAC does not verify with the cluster key, its
/// time is more than <see cref="Skew"/> from ours, or its nonce was seen before (a replay).
/// </summary>
public static class Protocol
{
    public const int MaxPayload = 512 * 1024;
    public static readonly TimeSpan Skew = TimeSpan.FromSeconds(60);
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static AgentMessage Create<T>(string type, string from, string cluster, T body, TimeProvider time) => new()
    {
        Type = type,
        From = from,
        Cluster = cluster,
        TimeMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        Nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)),
        Body = JsonSerializer.SerializeToElement(body, Json),
    };

    public static byte[] Encode(AgentMessage message, ClusterKey key)
    {
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(message, Json);
        if (payload.Length > MaxPayload) throw new ProtocolException($"A {message.Type} message is {payload.Length} bytes; the limit is {MaxPayload}.");
        var frame = new byte[4 + 32 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, 32 + payload.Length);
        key.Mac(payload).CopyTo(frame, 4);
        payload.CopyTo(frame, 36);
        return frame;
    }

    /// <summary>Reads one frame within <paramref name="timeout"/>, verifies it, and returns the message.</summary>
    public static async Task<AgentMessage> ReadAsync(Stream stream, ClusterKey key, string cluster, ReplayGuard replay, TimeProvider time,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var header = new byte[4];
        try
        {
            await stream.ReadExactlyAsync(header, limit.Token).ConfigureAwait(false);
            int length = BinaryPrimitives.ReadInt32BigEndian(header);
            if (length < 33 || length > 32 + MaxPayload) throw new ProtocolException($"frame length {length} is out of bounds");
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, limit.Token).ConfigureAwait(false);
            var payload = body.AsSpan(32);
            if (!key.Verify(payload, body.AsSpan(0, 32))) throw new ProtocolException("the message authentication code does not verify (wrong cluster key?)");
            AgentMessage? message;
            try { message = JsonSerializer.Deserialize<AgentMessage>(payload, Json); }
            catch (JsonException e) { throw new ProtocolException("the payload is not a message: " + e.Message); }
            if (message is null) throw new ProtocolException("the payload is empty");
            if (message.Cluster != cluster) throw new ProtocolException($"the message is for cluster '{message.Cluster}', not '{cluster}'");
            var sent = DateTimeOffset.FromUnixTimeMilliseconds(message.TimeMs);
            if ((time.GetUtcNow() - sent).Duration() > Skew) throw new ProtocolException($"the message time {sent:u} is more than {Skew.TotalSeconds:0} s from this node's clock");
            if (!replay.FirstSighting(message.Nonce, sent)) throw new ProtocolException("the message was seen before (replay)");
            return message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProtocolException($"no complete frame within {timeout.TotalSeconds:0.#} s");
        }
        catch (EndOfStreamException)
        {
            throw new ProtocolException("the connection closed in the middle of a frame");
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

/// <summary>One request and its answer over a fresh TCP connection to a peer's communication path.</summary>
public sealed class PeerClient(ClusterKey key, string cluster, string self, TimeProvider time)
{
    private readonly ReplayGuard _replay = new(time);

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
            await stream.WriteAsync(Protocol.Encode(Protocol.Create(type, self, cluster, body, time), key), limit.Token).ConfigureAwait(false);
            var reply = await Protocol.ReadAsync(stream, key, cluster, _replay, time, timeout, limit.Token).ConfigureAwait(false);
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
