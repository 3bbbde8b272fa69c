using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SiosRoute53.Aws;
using SiosRoute53.Route53;

namespace SiosRoute53.Ocf;

/// <summary>
/// One hosted zone's record sets as last read by any agent process on this node, in a root-only file under the
/// node's run directory. Pacemaker runs every resource's monitor as its own process; they share the zone read through
/// this file (taken under an exclusive lock), so many resources in one zone cost one ListResourceRecordSets pass per
/// monitor interval on a node instead of one per resource. A failed read is kept for a moment too, so processes
/// queued behind it during an outage do not each hammer Route 53 again.
/// </summary>
public sealed class ZoneSnapshot
{
    private static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(1);
    private readonly string _file;
    private readonly TimeProvider _time;

    public ZoneSnapshot(string directory, Uri endpoint, string zoneId, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        string key = endpoint.GetLeftPart(UriPartial.Authority).ToLowerInvariant() + "|" + Route53Ids.BareZoneId(zoneId).ToUpperInvariant();
        _file = Path.Combine(directory, "zone-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16] + ".json");
    }

    public string FilePath => _file;

    public static string DefaultDirectory => Path.Combine(RequestBudget.RunDirectory, "zones");

    /// <summary>The zone's record sets, no older than <paramref name="maxAge"/>; read with <paramref name="read"/> when the file is older.</summary>
    public async Task<IReadOnlyList<ResourceRecordSet>> GetAsync(TimeSpan maxAge, Func<CancellationToken, Task<IReadOnlyList<ResourceRecordSet>>> read, CancellationToken cancellationToken)
    {
        using var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var saved = Load();
        if (saved is not null)
        {
            var age = now - DateTimeOffset.FromUnixTimeMilliseconds(saved.TakenAtMs);
            if (saved.Failure is { } failure && age >= TimeSpan.Zero && age < FailureMemory) throw failure.ToException();
            if (saved.Failure is null && age >= TimeSpan.Zero && age <= maxAge) return saved.Sets!.Select(s => s.ToRecordSet()).ToList();
        }
        try
        {
            var sets = await read(cancellationToken).ConfigureAwait(false);
            Save(new SavedZone(now.ToUnixTimeMilliseconds(), sets.Select(SavedSet.From).ToList(), null));
            return sets;
        }
        catch (Exception e) when (SavedFailure.From(e) is { } failure)
        {
            Save(new SavedZone(now.ToUnixTimeMilliseconds(), null, failure));
            throw;
        }
    }

    /// <summary>Forgets the zone: the next read goes to Route 53 (after this node changed the zone itself).</summary>
    public async Task InvalidateAsync(CancellationToken cancellationToken)
    {
        using var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        File.Delete(_file);
    }

    private async Task<IDisposable> LockAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        while (true)
        {
            try
            {
                // .NET takes an exclusive flock() for FileShare.None on Unix; another agent process holding it makes this throw.
                return new FileStream(_file + ".lock", new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private SavedZone? Load()
    {
        try { return File.Exists(_file) ? JsonSerializer.Deserialize<SavedZone>(File.ReadAllBytes(_file)) : null; }
        catch (JsonException) { return null; } // a damaged snapshot is simply read again
    }

    private void Save(SavedZone zone)
    {
        string temp = _file + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
            JsonSerializer.Serialize(stream, zone);
        File.Move(temp, _file, overwrite: true);
    }

    private sealed record SavedZone(long TakenAtMs, List<SavedSet>? Sets, SavedFailure? Failure);

    private sealed record SavedSet(string Name, string Type, long? Ttl, List<string> Values, string? SetIdentifier)
    {
        public static SavedSet From(ResourceRecordSet s) => new(s.Name, s.Type, s.Ttl, s.Values.ToList(), s.SetIdentifier);
        public ResourceRecordSet ToRecordSet() => new(Name, Type, Ttl, Values) { SetIdentifier = SetIdentifier };
    }

    /// <summary>A failed read, kept with its kind so a credentials problem stays a credentials problem for the next reader.</summary>
    private sealed record SavedFailure(string Kind, string Code, string Message, int? Status)
    {
        public static SavedFailure? From(Exception e) => e switch
        {
            AwsConfigurationException => new SavedFailure("credentials", "", e.Message, null),
            Route53Exception r => new SavedFailure("route53", r.Code, r.AwsMessage, (int?)r.StatusCode),
            _ => null,
        };

        public Exception ToException() => Kind == "credentials"
            ? new AwsConfigurationException(Message)
            : Status is null
                ? new Route53TransportException("ListResourceRecordSets", Code, Message + " (read by another agent process on this node a moment ago)", null)
                : Route53Exception.FromError("ListResourceRecordSets", Code, Message + " (read by another agent process on this node a moment ago)", Array.Empty<string>(), null, (HttpStatusCode)Status);
    }
}
