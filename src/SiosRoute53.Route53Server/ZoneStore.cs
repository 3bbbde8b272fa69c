using System.Net;
using System.Security.Cryptography;
using SiosRoute53.Route53;

namespace SiosRoute53.Route53Server;

/// <summary>A VPC a private hosted zone is associated with (API reference, VPC).</summary>
public sealed record ZoneVpc(string VpcId, string VpcRegion)
{
    /// <summary>The VPC the in-process API and the executable's --zone give private zones.</summary>
    public static readonly ZoneVpc Lab = new("vpc-0a1b2c3d4e5f60718", "us-east-1");
}

/// <summary>
/// The hosted zones and their record sets, with Route 53's semantics: atomic change batches, exact-match DELETE,
/// CREATE of an existing set rejected, alias and routing-policy records, names in Route 53's stored form, PENDING →
/// INSYNC after a propagation time drawn per change, and a "published" view per zone (what DNS answers) that only
/// INSYNC changes reach and that never goes back to an older state.
/// </summary>
public sealed class ZoneStore
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Zone> _zones = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PendingChange> _changes = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _zoneOrder = new();
    private PropagationRange _propagation;
    private long _sequence;

    public ZoneStore(TimeProvider? time = null, TimeSpan? propagationDelay = null)
    {
        _time = time ?? TimeProvider.System;
        _propagation = PropagationRange.Fixed(propagationDelay ?? TimeSpan.FromSeconds(2));
    }

    /// <summary>How long each new change stays PENDING (fixed, or drawn per change). Changeable at run time.</summary>
    public PropagationRange Propagation
    {
        get { lock (_gate) return _propagation; }
        set { lock (_gate) _propagation = value; }
    }

    /// <summary>A fixed propagation time (setting it replaces a range; reading gives the range's shortest time).</summary>
    public TimeSpan PropagationDelay
    {
        get => Propagation.Min;
        set => Propagation = PropagationRange.Fixed(value);
    }

    /// <summary>The name servers Route 53 gives every zone (four, as in AWS; names under .test, never a real host).</summary>
    public static readonly IReadOnlyList<string> NameServers = new[]
    {
        "ns-101.awsdns-12.test.", "ns-612.awsdns-13.test.", "ns-1123.awsdns-14.test.", "ns-1634.awsdns-15.test.",
    };

    private sealed class Zone
    {
        public required HostedZone Info;
        public ZoneVpc? Vpc;
        public readonly List<StoredRecordSet> Records = new();
        public List<StoredRecordSet> Published = new();
        public long PublishedSequence;
        public DateTimeOffset LastChangeAt = DateTimeOffset.MinValue;
    }

    private sealed class PendingChange
    {
        public required ChangeInfo Info;
        public required DateTimeOffset InSyncAt;
        public required long Sequence;
        public string? ZoneId;
        public List<StoredRecordSet>? Snapshot;
        public bool Published;
    }

    private static string NewId(char prefix, int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return prefix + RandomNumberGenerator.GetString(alphabet, length - 1);
    }

    /// <summary>A public zone, or a private one in <see cref="ZoneVpc.Lab"/>.</summary>
    public (HostedZone Zone, ChangeInfo Change) CreateZone(string name, string callerReference, string? comment, bool privateZone) =>
        CreateZone(name, callerReference, comment, privateZone ? ZoneVpc.Lab : null);

    /// <summary>A zone as CreateHostedZone makes it: private exactly when it has a VPC; SOA and NS records created.</summary>
    public (HostedZone Zone, ChangeInfo Change) CreateZone(string name, string callerReference, string? comment, ZoneVpc? vpc)
    {
        string? normalized = Route53Names.TryCanonical(name, out var why);
        if (normalized == ".") why = "the root cannot be a hosted zone";
        else if (normalized is not null && Route53Names.FirstLabel(normalized) == "*")
            why = "a hosted zone's name cannot start with the * wildcard label";
        if (why.Length > 0 || normalized is null)
            throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.InvalidDomainName, $"{name} is not a valid hosted zone name: {why}.");
        lock (_gate)
        {
            if (_zones.Values.Any(z => z.Info.CallerReference == callerReference))
                throw new ApiError(HttpStatusCode.Conflict, ErrorCodes.HostedZoneAlreadyExists,
                    $"A hosted zone has already been created with the specified caller reference '{callerReference}'.");
            string id = NewId('Z', 21);
            var info = new HostedZone("/hostedzone/" + id, normalized, callerReference, comment, vpc is not null, 2);
            var zone = new Zone { Info = info, Vpc = vpc };
            zone.Records.Add(new StoredRecordSet { Name = normalized, Type = "SOA", Ttl = 900, Values = new[] { $"{NameServers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400" } });
            zone.Records.Add(new StoredRecordSet { Name = normalized, Type = "NS", Ttl = 172800, Values = NameServers });
            zone.Published = zone.Records.ToList();
            _zones[id] = zone;
            _zoneOrder.Add(id);
            return (info, NewChange(null, null, comment: null));
        }
    }

    public ChangeInfo DeleteZone(string zoneId)
    {
        lock (_gate)
        {
            var zone = Find(zoneId);
            if (zone.Records.Any(r => r.Type is not ("SOA" or "NS") || r.Name != zone.Info.Name))
                throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.HostedZoneNotEmpty,
                    "The specified hosted zone contains non-required resource record sets and so cannot be deleted.");
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

    /// <summary>The VPC of a private zone; null for a public zone.</summary>
    public ZoneVpc? VpcOf(string zoneId)
    {
        lock (_gate) return Find(zoneId).Vpc;
    }

    /// <summary>Every zone, in the order they were created.</summary>
    public IReadOnlyList<HostedZone> Zones()
    {
        lock (_gate) return _zoneOrder.Select(id => Snapshot(_zones[id])).ToList();
    }

    private static HostedZone Snapshot(Zone zone) => zone.Info with { ResourceRecordSetCount = zone.Records.Count };

    private Zone Find(string zoneId)
    {
        string id = Route53Ids.BareZoneId(zoneId);
        if (!_zones.TryGetValue(id, out var zone))
            throw new ApiError(HttpStatusCode.NotFound, ErrorCodes.NoSuchHostedZone, $"No hosted zone found with ID: {id}");
        return zone;
    }

    /// <summary>The zone's record sets in Route 53's listing order (name with labels reversed, then type, then SetIdentifier).</summary>
    public IReadOnlyList<StoredRecordSet> Records(string zoneId)
    {
        lock (_gate) return Ordered(Find(zoneId).Records);
    }

    private static List<StoredRecordSet> Ordered(IEnumerable<StoredRecordSet> records) =>
        records.OrderBy(r => r.Name, Route53Names.ListingOrder)
               .ThenBy(r => r.Type, StringComparer.Ordinal)
               .ThenBy(r => r.SetIdentifier ?? "", StringComparer.Ordinal)
               .ToList();

    /// <summary>Simple records from the engine's model (seeding zones in-process).</summary>
    public ChangeInfo Apply(string zoneId, IReadOnlyList<Change> changes, string? comment, TimeSpan priorRequestWindow) =>
        Apply(zoneId, changes.Select(c => new RecordChange(c.Action, StoredRecordSet.From(c.RecordSet))).ToList(), comment, priorRequestWindow);

    /// <summary>Applies a whole batch or nothing. Every problem in the batch is reported, as Route 53 does.</summary>
    public ChangeInfo Apply(string zoneId, IReadOnlyList<RecordChange> changes, string? comment, TimeSpan priorRequestWindow)
    {
        if (changes.Count == 0)
            throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.InvalidInput,
                "1 validation error detected: Value null at 'changeBatch.changes' failed to satisfy constraint: Member must not be null");
        ChangeBatchRules.CheckLimits(changes);
        var checkedChanges = changes.Select(c => c with { RecordSet = ChangeBatchRules.CheckInput(c) }).ToList();
        lock (_gate)
        {
            var zone = Find(zoneId);
            var now = _time.GetUtcNow();
            if (priorRequestWindow > TimeSpan.Zero && now - zone.LastChangeAt < priorRequestWindow)
                throw new ApiError(HttpStatusCode.BadRequest, ErrorCodes.PriorRequestNotComplete,
                    "The request was rejected because Route 53 was still processing a prior request.");

            var working = zone.Records.ToList();
            var problems = new List<string>();
            foreach (var (action, set) in checkedChanges)
            {
                string? invalid = ValidateSet(set, zone, working);
                if (invalid is not null)
                {
                    problems.Add(invalid);
                    continue;
                }
                int index = working.FindIndex(r => r.SameKey(set));
                switch (action)
                {
                    case ChangeAction.CREATE:
                        if (index >= 0) problems.Add($"Tried to create resource record set {set.Label} but it already exists");
                        else if (Conflict(working, set, zone.Info.Name) is { } conflict) problems.Add(conflict);
                        else working.Add(set);
                        break;
                    case ChangeAction.DELETE:
                        if (index < 0) problems.Add($"Tried to delete resource record set {set.Label} but it was not found");
                        else if (!working[index].SameAs(set)) problems.Add($"Tried to delete resource record set {set.Label} but the values provided do not match the current values");
                        else if (set.Type is "SOA" or "NS" && set.Name == zone.Info.Name) problems.Add($"A HostedZone must contain at least one NS record for the zone itself and exactly one SOA record; {set.Label} cannot be deleted");
                        else working.RemoveAt(index);
                        break;
                    case ChangeAction.UPSERT:
                        if (index >= 0) working[index] = set;
                        else if (Conflict(working, set, zone.Info.Name) is { } conflict) problems.Add(conflict);
                        else working.Add(set);
                        break;
                }
            }
            if (problems.Count > 0) throw ApiError.InvalidChangeBatch(problems);

            zone.Records.Clear();
            zone.Records.AddRange(working);
            zone.LastChangeAt = now;
            return NewChange(zone, Route53Ids.BareZoneId(zoneId), comment);
        }
    }

    /// <summary>
    /// Why <paramref name="set"/> cannot join the sets of its name: a CNAME beside other types, a simple record
    /// beside routing-policy records of the same name and type (or the reverse), or two routing policies mixed.
    /// </summary>
    private static string? Conflict(List<StoredRecordSet> records, StoredRecordSet set, string zoneName)
    {
        if (records.Any(r => r.Name == set.Name && (r.Type == "CNAME") != (set.Type == "CNAME")))
            return set.Type == "CNAME"
                ? $"RRSet of type CNAME with DNS name {set.Name} is not permitted as it conflicts with other records with the same DNS name in zone {zoneName}"
                : $"RRSet of type {set.Type} with DNS name {set.Name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone {zoneName}";
        var sameType = records.Where(r => r.Name == set.Name && r.Type == set.Type).ToList();
        if (sameType.Count == 0) return null;
        if (set.SetIdentifier is null)
            return $"RRSet with DNS name {set.Name}, type {set.Type} cannot be created as other RRSets exist with the same name and type.";
        var other = sameType.FirstOrDefault(r => r.Policy != set.Policy);
        return other is null ? null
            : $"RRSet with DNS name {set.Name}, type {set.Type}, SetIdentifier {set.SetIdentifier} cannot be created as a non-{set.Policy} set exists with the same name and type.";
    }

    private string? ValidateSet(StoredRecordSet set, Zone zone, List<StoredRecordSet> working)
    {
        if (!Route53Names.IsInZone(set.Name, zone.Info.Name))
            return $"RRSet with DNS name {set.Name} is not permitted in zone {zone.Info.Name}";
        if (set.AliasTarget is { } alias && _zones.TryGetValue(alias.HostedZoneId, out var targetZone))
        {
            // An alias to a record of one of our zones must name a set that exists there, with the same type.
            if (!Route53Names.IsInZone(alias.DnsName, targetZone.Info.Name))
                return $"Tried to create an alias that targets {alias.DnsName}, type {set.Type} in zone {alias.HostedZoneId}, but the alias target name does not lie within the target zone";
            var targets = ReferenceEquals(targetZone, zone) ? working : targetZone.Records;
            if (!targets.Any(r => r.Name == alias.DnsName && r.Type == set.Type))
                return $"Tried to create an alias that targets {alias.DnsName}, type {set.Type} in zone {alias.HostedZoneId}, but that target was not found";
        }
        return ChangeBatchRules.CheckValues(set);
    }

    private ChangeInfo NewChange(Zone? zone, string? zoneId, string? comment)
    {
        var now = _time.GetUtcNow();
        var info = new ChangeInfo("/change/" + NewId('C', 21), ChangeStatus.PENDING, now, comment);
        var pending = new PendingChange
        {
            Info = info,
            InSyncAt = now + _propagation.Draw(Random.Shared),
            Sequence = ++_sequence,
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
                throw new ApiError(HttpStatusCode.NotFound, ErrorCodes.NoSuchChange, $"Could not find resource with ID: {id}");
            var now = _time.GetUtcNow();
            PublishDue(now);
            return StatusOf(change, now);
        }
    }

    private static ChangeInfo StatusOf(PendingChange change, DateTimeOffset now) =>
        change.Info with { Status = now >= change.InSyncAt ? ChangeStatus.INSYNC : ChangeStatus.PENDING };

    /// <summary>
    /// Moves the zone snapshot of every change that is now INSYNC into the published (DNS) view. Each change draws
    /// its own propagation time, so a later change can be INSYNC first; an older snapshot never replaces a newer one.
    /// </summary>
    private void PublishDue(DateTimeOffset now)
    {
        foreach (var change in _changes.Values.Where(c => !c.Published && c.InSyncAt <= now).OrderBy(c => c.Sequence))
        {
            change.Published = true;
            if (change.ZoneId is not null && change.Snapshot is not null && _zones.TryGetValue(change.ZoneId, out var zone)
                && change.Sequence > zone.PublishedSequence)
            {
                zone.Published = change.Snapshot;
                zone.PublishedSequence = change.Sequence;
            }
            change.Snapshot = null;
        }
    }

    /// <summary>What the DNS frontend answers: the record sets of the most specific zone holding the name, INSYNC only.</summary>
    public (HostedZone? Zone, IReadOnlyList<StoredRecordSet> Records) Published(string name)
    {
        string? n = Route53Names.TryCanonical(name, out _);
        if (n is null) return (null, Array.Empty<StoredRecordSet>());
        lock (_gate)
        {
            PublishDue(_time.GetUtcNow());
            var zone = _zones.Values
                .Where(z => Route53Names.IsInZone(n, z.Info.Name))
                .OrderByDescending(z => z.Info.Name.Length)
                .FirstOrDefault();
            if (zone is null) return (null, Array.Empty<StoredRecordSet>());
            return (zone.Info, zone.Published.Where(r => r.Name == n).ToList());
        }
    }
}
