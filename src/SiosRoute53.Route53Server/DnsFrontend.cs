using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace SiosRoute53.Route53Server;

/// <summary>
/// Answers DNS queries over UDP (A, TXT, NS, SOA) for the server's zones from the INSYNC view, with each record's
/// TTL, so a client can resolve a name the way an on-premises resolver forwarding to Route 53 would.
/// </summary>
internal sealed class DnsFrontend : IDisposable
{
    private readonly ZoneStore _zones;
    private readonly DnsServer _server;
    private long _queries;

    public DnsFrontend(ZoneStore zones, IPEndPoint endpoint)
    {
        _zones = zones;
        _server = new DnsServer(new IServerTransport[] { new UdpServerTransport(endpoint, 2000) });
        _server.QueryReceived += OnQueryAsync;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public long QueryCount => Interlocked.Read(ref _queries);

    public void Start() => _server.Start();

    private Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        Interlocked.Increment(ref _queries);
        if (e.Query is not DnsMessage query) return Task.CompletedTask;
        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = false;
        if (query.Questions.Count != 1)
        {
            response.ReturnCode = ReturnCode.FormatError;
            e.Response = response;
            return Task.CompletedTask;
        }
        var question = query.Questions[0];
        // Labels as characters: DNS presentation escapes are decimal, Route 53's stored names use octal ones.
        var (zone, records) = _zones.Published(string.Join('.', question.Name.Labels));
        if (zone is null)
        {
            response.ReturnCode = ReturnCode.Refused;
            e.Response = response;
            return Task.CompletedTask;
        }
        response.IsAuthoritiveAnswer = true;
        var matching = records.Where(r => question.RecordType == RecordType.Any || r.Type.Equals(question.RecordType.ToString(), StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var set in matching)
            foreach (var record in ToDns(set, question.Name))
                response.AnswerRecords.Add(record);
        if (response.AnswerRecords.Count == 0)
        {
            // NXDOMAIN when the name has nothing at all, NODATA (NOERROR, empty) when it has other types.
            response.ReturnCode = records.Count == 0 ? ReturnCode.NxDomain : ReturnCode.NoError;
            var soa = _zones.Published(zone.Name).Records.FirstOrDefault(r => r.Type == "SOA");
            if (soa is not null) foreach (var r in ToDns(soa, DomainName.Parse(zone.Name))) response.AuthorityRecords.Add(r);
        }
        e.Response = response;
        return Task.CompletedTask;
    }

    /// <summary>A set's values as DNS records owned by <paramref name="name"/>. Alias sets have no values and answer nothing.</summary>
    private static IEnumerable<DnsRecordBase> ToDns(StoredRecordSet set, DomainName name)
    {
        int ttl = (int)Math.Clamp(set.Ttl ?? 300, 0, int.MaxValue);
        foreach (var value in set.Values)
        {
            switch (set.Type)
            {
                case "A" when IPAddress.TryParse(value, out var ip):
                    yield return new ARecord(name, ttl, ip);
                    break;
                case "TXT":
                    yield return new TxtRecord(name, ttl, ChangeBatchRules.TxtStrings(value) ?? new List<string> { value });
                    break;
                case "NS":
                    yield return new NsRecord(name, ttl, DomainName.Parse(value));
                    break;
                case "SOA":
                    var p = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (p.Length == 7)
                        yield return new SoaRecord(name, ttl, DomainName.Parse(p[0]), DomainName.Parse(p[1]),
                            uint.Parse(p[2]), int.Parse(p[3]), int.Parse(p[4]), int.Parse(p[5]), int.Parse(p[6]));
                    break;
            }
        }
    }

    public void Dispose() => _server.Stop();
}
