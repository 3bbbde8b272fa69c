using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SiosRoute53.Route53;

/// <summary>
/// Asks name servers for a record's A value over UDP: when every one of them answers exactly the new address, the change
/// is (nearly) INSYNC and GetChange is worth asking at once. The servers are the zone's own: Route 53's name servers for
/// a public zone, the VPC resolver (the VPC's base address + 2) for a private one, as ROUTE53_DNS_HINT_SERVERS lists them.
/// A server that does not answer within <see cref="Timeout"/> makes the hint unusable, and the follower goes on by
/// GetChange alone.
/// </summary>
public sealed class DnsAnswerHint : IInsyncHint
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);
    private readonly IReadOnlyList<IPEndPoint> _servers;
    private readonly string _name;
    private readonly IPAddress _expected;

    public DnsAnswerHint(IReadOnlyList<IPEndPoint> servers, string name, IPAddress expected)
    {
        if (servers.Count == 0) throw new ArgumentException("A DNS hint needs at least one server.", nameof(servers));
        _servers = servers;
        _name = DnsNames.Normalize(name);
        _expected = expected;
    }

    public string Description => $"{_name} A {_expected} at {string.Join(", ", _servers)}";

    /// <summary>
    /// The hint for a record from ROUTE53_DNS_HINT_SERVERS ("10.0.0.2" or "10.0.0.2:53, 10.0.0.3"), or null when the
    /// tunable is empty. A value that is not a list of IP addresses is an error naming the tunable.
    /// </summary>
    public static DnsAnswerHint? From(string servers, string name, IPAddress expected)
    {
        var list = ParseServers(servers);
        return list.Count == 0 ? null : new DnsAnswerHint(list, name, expected);
    }

    public static IReadOnlyList<IPEndPoint> ParseServers(string text)
    {
        var list = new List<IPEndPoint>();
        foreach (var item in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPEndPoint.TryParse(item, out var endpoint) && endpoint.Address.ToString() != "0.0.0.0")
                list.Add(endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint);
            else
                throw new ArgumentException($"ROUTE53_DNS_HINT_SERVERS has '{item}', which is not an IP address (with an optional :port). " +
                    "List the zone's name servers by address, e.g. ROUTE53_DNS_HINT_SERVERS=10.0.0.2, or leave it empty.");
        }
        return list;
    }

    public async Task<bool?> ShowsNewValueAsync(CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(_servers.Select(s => QueryAsync(s, cancellationToken))).ConfigureAwait(false);
        if (answers.Any(a => a is null)) return null;
        return answers.All(a => a!.Count == 1 && a[0].Equals(_expected));
    }

    /// <summary>The A addresses a server answers for the name (empty for NXDOMAIN or no data); null when it does not answer.</summary>
    private async Task<IReadOnlyList<IPAddress>?> QueryAsync(IPEndPoint server, CancellationToken cancellationToken)
    {
        using var socket = new UdpClient(server.AddressFamily);
        ushort id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
        var query = BuildQuery(id, _name);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await socket.SendAsync(query, server, timeout.Token).ConfigureAwait(false);
            while (true)
            {
                var reply = await socket.ReceiveAsync(timeout.Token).ConfigureAwait(false);
                if (!reply.RemoteEndPoint.Equals(server)) continue;
                if (ParseAnswer(reply.Buffer, id) is { } addresses) return addresses;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { return null; }
        catch (SocketException) { return null; }
    }

    internal static byte[] BuildQuery(ushort id, string name)
    {
        var bytes = new List<byte>();
        void U16(int v) { bytes.Add((byte)(v >> 8)); bytes.Add((byte)v); }
        U16(id);
        U16(0x0100); // a standard query, recursion desired (the VPC resolver needs it; authoritative servers ignore it)
        U16(1); U16(0); U16(0); U16(0);
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var raw = Encoding.ASCII.GetBytes(label);
            bytes.Add((byte)raw.Length);
            bytes.AddRange(raw);
        }
        bytes.Add(0);
        U16(1); // A
        U16(1); // IN
        return bytes.ToArray();
    }

    /// <summary>The A addresses in a reply to query <paramref name="id"/>; null when it is not a usable reply.</summary>
    internal static IReadOnlyList<IPAddress>? ParseAnswer(byte[] reply, ushort id)
    {
        try
        {
            var span = reply.AsSpan();
            if (span.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(span) != id) return null;
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(span[2..]);
            if ((flags & 0x8000) == 0) return null;
            int rcode = flags & 0x000F;
            if (rcode == 3) return Array.Empty<IPAddress>(); // NXDOMAIN: the name is not there yet
            if (rcode != 0) return null;
            int questions = BinaryPrimitives.ReadUInt16BigEndian(span[4..]);
            int answers = BinaryPrimitives.ReadUInt16BigEndian(span[6..]);
            int at = 12;
            for (int i = 0; i < questions; i++) at = SkipName(span, at) + 4;
            var found = new List<IPAddress>();
            for (int i = 0; i < answers; i++)
            {
                at = SkipName(span, at);
                ushort type = BinaryPrimitives.ReadUInt16BigEndian(span[at..]);
                int length = BinaryPrimitives.ReadUInt16BigEndian(span[(at + 8)..]);
                at += 10;
                if (type == 1 && length == 4) found.Add(new IPAddress(span.Slice(at, 4)));
                at += length;
            }
            return found;
        }
        catch (ArgumentOutOfRangeException) { return null; }
    }

    private static int SkipName(ReadOnlySpan<byte> span, int at)
    {
        while (true)
        {
            byte length = span[at];
            if (length == 0) return at + 1;
            if ((length & 0xC0) == 0xC0) return at + 2;
            at += length + 1;
        }
    }
}
