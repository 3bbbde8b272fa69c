using System.Net;
using System.Security.Cryptography;
using SiosRoute53.Route53;

namespace SiosRoute53.Route53Server;

/// <summary>A Route 53 API error the server answers with.</summary>
public sealed class ApiError : Exception
{
    public ApiError(HttpStatusCode status, string code, string message, IReadOnlyList<string>? messages = null) : base(message)
    {
        Status = status;
        Code = code;
        Messages = messages ?? new[] { message };
    }

    public HttpStatusCode Status { get; }
    public string Code { get; }
    public IReadOnlyList<string> Messages { get; }
}

/// <summary>
/// The hosted zones and their record sets, with Route 53's semantics: atomic change batches, exact-match DELETE,
/// CREATE of an existing set rejected, case-insensitive names, PENDING → INSYNC after a propagation delay, and a
/// "published" view per zone (what DNS answers) that only INSYNC changes reach.
/// </summary>
public sealed class ZoneStore
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Zone> _zones = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PendingChange> _changes = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _zoneOrder = new();

    public ZoneStore(TimeProvider? time = null, TimeSpan? propagationDelay = null)
    {
        _time = time ?? TimeProvider.System;
        PropagationDelay = propagationDelay ?? TimeSpan.FromSeconds(2);
    }

    /// <summary>How long a change stays PENDING before it is INSYNC. Changeable at run time.</summary>
    public TimeSpan PropagationDelay { get; set; }

    private sealed class Zone
    {
        public required HostedZone Info;
        public readonly List<ResourceRecordSet> Records = new();
        public List<ResourceRecordSet> Published = new();
        public DateTimeOffset LastChangeAt = DateTimeOffset.MinValue;
    }

    private sealed class PendingChange
    {
        public required ChangeInfo Info;
        public required DateTimeOffset InSyncAt;
        public string? ZoneId;
        public List<ResourceRecordSet>? Snapshot;
        public bool Published;
    }

    private static string NewId(char prefix, int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return prefix + RandomNumberGenerator.GetString(alphabet, length - 1);
    }

    public (HostedZone Zone, ChangeInfo Change) CreateZone(string name, string callerReference, string? comment, bool privateZone)
    {
        string? why = DnsNames.Validate(name);
        if (why is not null) throw new ApiError(HttpStatusCode.BadRequest, "InvalidDomainName", $"Domain name '{name}' is invalid: {why}.");
        string normalized = DnsNames.Normalize(name);
        lock (_gate)
        {
            if (_zones.Values.Any(z => z.Info.CallerReference == callerReference))
                throw new ApiError(HttpStatusCode.Conflict, "HostedZoneAlreadyExists", $"A hosted zone has already been created with the specified caller reference '{callerReference}'.");
            string id = NewId('Z', 21);
            var info = new HostedZone("/hostedzone/" + id, normalized, callerReference, comment, privateZone, 2);
            var zone = new Zone { Info = info };
            string ns1 = "ns-1.awsdns-00.test.", ns2 = "ns-2.awsdns-00.test.";
            zone.Records.Add(new ResourceRecordSet(normalized, "SOA", 900, new[] { $"{ns1} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400" }));
            zone.Records.Add(new ResourceRecordSet(normalized, "NS", 172800, new[] { ns1, ns2 }));
            zone.Published = zone.Records.ToList();
            _zones[id] = zone;
            _zoneOrder.Add(id);
            var change = NewChange(null, null, comment: null);
            return (info, change);
        }
    }

    public ChangeInfo DeleteZone(string zoneId)
    {
        lock (_gate)
        {
            var zone = Find(zoneId);
            if (zone.Records.Any(r => r.Type is not ("SOA" or "NS") || !DnsNames.Equal(r.Name, zone.Info.Name)))
                throw new ApiError(HttpStatusCode.BadRequest, "HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets and so cannot be deleted.");
            string id = Route53Ids.BareZoneId(zoneId);
            _zones.Remove(id);
            _zoneOrder.RemoveAll(z => z.Equals(id, StringComparison.OrdinalIgnoreCase));
            return NewChange(null, null, null);
        }
    }

    public HostedZone GetZone(string zoneId)
    {
        lock (_gate) return Snapshot(Find(zoneId));
    }

    public IReadOnlyList<HostedZone> Zones()
    {
        lock (_gate) return _zoneOrder.Select(id => Snapshot(_zones[id])).ToList();
    }

    private static HostedZone Snapshot(Zone zone) => zone.Info with { ResourceRecordSetCount = zone.Records.Count };

    private Zone Find(string zoneId)
    {
        string id = Route53Ids.BareZoneId(zoneId);
        if (!_zones.TryGetValue(id, out var zone))
            throw new ApiError(HttpStatusCode.NotFound, "NoSuchHostedZone", $"No hosted zone found with ID: {id}");
        return zone;
    }

    /// <summary>The zone's record sets in Route 53's listing order (name with labels reversed, then type).</summary>
    public IReadOnlyList<ResourceRecordSet> Records(string zoneId)
    {
        lock (_gate) return Ordered(Find(zoneId).Records);
    }

    private static List<ResourceRecordSet> Ordered(IEnumerable<ResourceRecordSet> records) =>
        records.OrderBy(r => r.Name, Comparer<string>.Create(DnsNames.CompareForListing))
               .ThenBy(r => r.Type, StringComparer.Ordinal)
               .ThenBy(r => r.SetIdentifier ?? "", StringComparer.Ordinal)
               .ToList();

    /// <summary>Applies a whole batch or nothing. Every problem in the batch is reported, as Route 53 does.</summary>
    public ChangeInfo Apply(string zoneId, IReadOnlyList<Change> changes, string? comment, TimeSpan priorRequestWindow)
    {
        if (changes.Count == 0)
            throw new ApiError(HttpStatusCode.BadRequest, "InvalidInput", "1 validation error detected: Value null at 'changeBatch.changes' failed to satisfy constraint: Member must not be null");
        lock (_gate)
        {
            var zone = Find(zoneId);
            var now = _time.GetUtcNow();
            if (priorRequestWindow > TimeSpan.Zero && now - zone.LastChangeAt < priorRequestWindow)
                throw new ApiError(HttpStatusCode.BadRequest, "PriorRequestNotComplete",
                    "The request was rejected because Route 53 was still processing a prior request.");

            var working = zone.Records.ToList();
            var problems = new List<string>();
            foreach (var change in changes)
            {
                var set = change.RecordSet with { Name = DnsNames.Normalize(change.RecordSet.Name), Type = change.RecordSet.Type.ToUpperInvariant() };
                string label = $"[name='{set.Name}', type='{set.Type}'{(set.SetIdentifier is null ? "" : $", set-identifier='{set.SetIdentifier}'")}]";
                string? invalid = ValidateSet(set, zone.Info.Name);
                if (invalid is not null)
                {
                    problems.Add(invalid);
                    continue;
                }
                int index = working.FindIndex(r => DnsNames.Equal(r.Name, set.Name) && r.Type == set.Type && r.SetIdentifier == set.SetIdentifier);
                switch (change.Action)
                {
                    case ChangeAction.CREATE:
                        if (index >= 0) problems.Add($"Tried to create resource record set {label} but it already exists");
                        else if (ConflictsWithCname(working, set)) problems.Add($"RRSet of type {set.Type} with DNS name {set.Name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone {zone.Info.Name}");
                        else working.Add(set);
                        break;
                    case ChangeAction.DELETE:
                        if (index < 0) problems.Add($"Tried to delete resource record set {label} but it was not found");
                        else if (!working[index].MatchesExactly(set)) problems.Add($"Tried to delete resource record set {label} but the values provided do not match the current values");
                        else if (set.Type is "SOA" or "NS" && DnsNames.Equal(set.Name, zone.Info.Name)) problems.Add($"A HostedZone must contain at least one NS record for the zone itself and exactly one SOA record; {label} cannot be deleted");
                        else working.RemoveAt(index);
                        break;
                    case ChangeAction.UPSERT:
                        if (index >= 0) working[index] = set;
                        else if (ConflictsWithCname(working, set)) problems.Add($"RRSet of type {set.Type} with DNS name {set.Name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone {zone.Info.Name}");
                        else working.Add(set);
                        break;
                }
            }
            if (problems.Count > 0)
                throw new ApiError(HttpStatusCode.BadRequest, "InvalidChangeBatch", string.Join(", ", problems), problems);

            zone.Records.Clear();
            zone.Records.AddRange(working);
            zone.LastChangeAt = now;
            return NewChange(zone, Route53Ids.BareZoneId(zoneId), comment);
        }
    }

    private static bool ConflictsWithCname(List<ResourceRecordSet> records, ResourceRecordSet set) =>
        records.Any(r => DnsNames.Equal(r.Name, set.Name) && (r.Type == "CNAME") != (set.Type == "CNAME"));

    private static string? ValidateSet(ResourceRecordSet set, string zoneName)
    {
        if (!DnsNames.IsInZone(set.Name, zoneName))
            return $"RRSet with DNS name {set.Name} is not permitted in zone {zoneName}";
        if (set.Ttl is null) return $"Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action={set.Type}, Name={set.Name}]";
        if (set.Ttl is < 0 or > 2147483647) return $"TTL {set.Ttl} for {set.Name} is out of range";
        if (set.Values.Count == 0) return $"RRSet {set.Name} of type {set.Type} has no ResourceRecords";
        if (set.Type == "A")
            foreach (var v in set.Values)
                if (!IPAddress.TryParse(v, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || v.Split('.').Length != 4)
                    return $"ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '{v}'";
        if (set.Type == "TXT")
            foreach (var v in set.Values)
                if (v.Length < 2 || v[0] != '"' || v[^1] != '"')
                    return $"Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '{v}''";
        return null;
    }

    private ChangeInfo NewChange(Zone? zone, string? zoneId, string? comment)
    {
        var now = _time.GetUtcNow();
        var info = new ChangeInfo("/change/" + NewId('C', 21), ChangeStatus.PENDING, now, comment);
        var pending = new PendingChange
        {
            Info = info,
            InSyncAt = now + PropagationDelay,
            ZoneId = zoneId,
            Snapshot = zone?.Records.ToList(),
        };
        _changes[info.ShortId] = pending;
        PublishDue(now);
        return StatusOf(pending, now);
    }

    public ChangeInfo GetChange(string changeId)
    {
        lock (_gate)
        {
            string id = Route53Ids.BareChangeId(changeId);
            if (!_changes.TryGetValue(id, out var change))
                throw new ApiError(HttpStatusCode.NotFound, "NoSuchChange", $"Could not find resource with ID: {id}");
            var now = _time.GetUtcNow();
            PublishDue(now);
            return StatusOf(change, now);
        }
    }

    private static ChangeInfo StatusOf(PendingChange change, DateTimeOffset now) =>
        change.Info with { Status = now >= change.InSyncAt ? ChangeStatus.INSYNC : ChangeStatus.PENDING };

    /// <summary>Moves the zone snapshots of every change that is now INSYNC into the published (DNS) view, in order.</summary>
    private void PublishDue(DateTimeOffset now)
    {
        foreach (var change in _changes.Values.Where(c => !c.Published && c.InSyncAt <= now).OrderBy(c => c.Info.SubmittedAt))
        {
            change.Published = true;
            if (change.ZoneId is not null && change.Snapshot is not null && _zones.TryGetValue(change.ZoneId, out var zone))
                zone.Published = change.Snapshot;
            change.Snapshot = null;
        }
    }

    /// <summary>What the DNS frontend answers: the record sets of the most specific zone holding the name, INSYNC only.</summary>
    public (HostedZone? Zone, IReadOnlyList<ResourceRecordSet> Records) Published(string name)
    {
        string n = DnsNames.Normalize(name);
        lock (_gate)
        {
            PublishDue(_time.GetUtcNow());
            var zone = _zones.Values
                .Where(z => DnsNames.IsInZone(n, z.Info.Name))
                .OrderByDescending(z => z.Info.Name.Length)
                .FirstOrDefault();
            if (zone is null) return (null, Array.Empty<ResourceRecordSet>());
            return (zone.Info, zone.Published.Where(r => DnsNames.Equal(r.Name, n)).ToList());
        }
    }
}
