using System.Text;
using System.Text.Json;
using SiosRoute53.Model;

namespace SiosRoute53.Store;

/// <summary>
/// The store cannot be used: corrupt, from a newer version, unreadable, locked for too long (StateStoreUnusable); its
/// directory does not exist where one is needed (StateDirectoryNotFound) or cannot be written (StateDirectoryNotWritable).
/// </summary>
public sealed class StoreException : HaException
{
    public const string NotFound = "StateDirectoryNotFound", NotWritable = "StateDirectoryNotWritable";

    private readonly string _errorId;

    public StoreException(string message, Exception? inner = null, string errorId = "StateStoreUnusable") : base(message, inner) => _errorId = errorId;
    public override string ErrorId => _errorId;
    public override HaErrorKind Kind => HaErrorKind.StoreUnusable;
}

/// <summary>
/// The node's local store: state.json (cluster, resources, dependencies, states) and events.jsonl (the history).
/// Writes take an exclusive lock file, write a new temporary file (mode 0600, created exclusively) and rename it over
/// the old one, so a reader always sees a whole document and a crash never leaves half a file. The previous document
/// is kept as state.json.bak. The directory is 0700, owned by the caller and writable by nobody else, and no file in it
/// is opened through a symbolic link: another local user cannot redirect a write or plant a command.
/// </summary>
public sealed class StateStore
{
    public const string DefaultDirectory = "/var/lib/siosroute53";
    private const int MaxEvents = 20000;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web);

    private readonly TimeProvider _time;

    public StateStore(string directory, TimeProvider? time = null)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        _time = time ?? TimeProvider.System;
        CommitConfig = (current, next, record) => Cluster.ConfigCommitter.Commit(this, current, next, record);
    }

    public string Directory { get; }
    public TimeProvider Time => _time;

    /// <summary>
    /// Commits a configuration change made on this node (current, next, record an event): returns the state to write or
    /// throws to change nothing. By default <see cref="Cluster.ConfigCommitter.Commit"/>: a majority of the members must store it.
    /// </summary>
    public Func<NodeState, NodeState, Action<HaEvent>, NodeState> CommitConfig { get; init; }
    public string StatePath => System.IO.Path.Combine(Directory, "state.json");
    public string EventsPath => System.IO.Path.Combine(Directory, "events.jsonl");
    private string LockPath => System.IO.Path.Combine(Directory, "state.lock");

    /// <summary>How long a writer waits for another to finish.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The directory named by SIOSR53_STATE_DIR, else /var/lib/siosroute53.</summary>
    public static string ResolveDirectory(string? directory) =>
        !string.IsNullOrWhiteSpace(directory) ? directory
        : Environment.GetEnvironmentVariable("SIOSR53_STATE_DIR") is { Length: > 0 } env ? env
        : DefaultDirectory;

    /// <summary>True when this node has written its state (a fresh node has none).</summary>
    public bool Exists => File.Exists(StatePath);

    /// <summary>
    /// For commands that act on what is there: a state directory that does not exist is said to be missing at once
    /// (a mistyped -StateDirectory would otherwise read as a node without resources).
    /// </summary>
    public void RequireDirectory()
    {
        if (!System.IO.Directory.Exists(Directory))
            throw new StoreException($"The state directory '{Directory}' does not exist: there is no SiosRoute53 state there, and nothing was changed. " +
                                     "Give the node's state directory with -StateDirectory or SIOSR53_STATE_DIR (default /var/lib/siosroute53); a new node starts with New-HaIpResource or Join-HaCluster.",
                errorId: StoreException.NotFound);
    }

    /// <summary>A directory that exists but cannot be written is said to be so before any change, never waited on as a lock.</summary>
    private void RequireWritable()
    {
        if (SecureFiles.WhyNotWritable(Directory) is { } why)
            throw new StoreException($"The state directory '{Directory}' {why}; nothing was changed. " +
                                     "Make it writable (a read-only file system: remount it read-write), or give another directory with -StateDirectory or SIOSR53_STATE_DIR.",
                errorId: StoreException.NotWritable);
    }

    /// <summary>The current document; a node that has never written one gets a fresh one named after the host.</summary>
    public NodeState Read()
    {
        if (!System.IO.Directory.Exists(Directory) && !File.Exists(StatePath))
            return new NodeState { NodeName = DefaultNodeName(), ClusterName = "" };
        SecureFiles.EnsurePrivateDirectory(Directory, "state directory");
        string text;
        try
        {
            using var stream = SecureFiles.OpenRead(StatePath);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return new NodeState { NodeName = DefaultNodeName(), ClusterName = "" };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"The state file '{StatePath}' cannot be read: {e.Message}. SiosRoute53 keeps its state readable by root only; run as root.", e);
        }
        NodeState? state;
        try { state = JsonSerializer.Deserialize<NodeState>(text, Json); }
        catch (JsonException e)
        {
            throw new StoreException(
                $"The state file '{StatePath}' is corrupt ({e.Message}). Nothing was changed. The previous version is '{StatePath}.bak': " +
                "inspect it and copy it over state.json to restore it.", e);
        }
        if (state is null) throw new StoreException($"The state file '{StatePath}' is empty. The previous version is '{StatePath}.bak'.");
        if (state.Schema > NodeState.CurrentSchema)
            throw new StoreException($"The state file '{StatePath}' has schema {state.Schema}, written by a newer SiosRoute53 (this one reads up to {NodeState.CurrentSchema}). Update the module on this node.");
        return Checked(state);
    }

    /// <summary>A hand-edited or received document may hold nulls where lists belong: name the file and the field.</summary>
    private NodeState Checked(NodeState state)
    {
        string? missing = state.Members is null ? "members" : state.Resources is null ? "resources" : state.Dependencies is null ? "dependencies"
            : state.States is null ? "states" : null;
        missing ??= state.Resources!.Any(r => r is null) ? "an entry of resources" : state.Dependencies!.Any(d => d is null || d.Parent is null || d.Child is null) ? "an entry of dependencies"
            : state.States!.Any(s => s is null || s.Tag is null || s.Node is null) ? "an entry of states"
            : state.Resources!.Any(r => r.Settings is null || r.Nodes is null || r.Nodes.Values.Any(n => n is null || n.Settings is null)) ? "the settings of a resource" : null;
        if (missing is not null)
            throw new StoreException($"The state file '{StatePath}' has no value for {missing} (null). Nothing was changed. Fix it (use [] for an empty list) or restore '{StatePath}.bak'.");
        return state;
    }

    public static string DefaultNodeName() => Environment.MachineName.Split('.')[0].ToLowerInvariant();

    /// <summary>
    /// Reads, changes and writes the document under the store lock. <paramref name="change"/> may throw to change
    /// nothing. Returns what <paramref name="change"/> returned.
    /// </summary>
    /// <remarks>
    /// A change to the cluster-wide configuration made here (<see cref="NodeState.ConfigChanged"/>) is written only
    /// once a majority of the members stored it (<see cref="Cluster.ConfigCommitter"/>); else it throws and nothing changes.
    /// </remarks>
    public T Update<T>(Func<NodeState, (NodeState State, T Result)> change)
    {
        var events = new List<HaEvent>();
        try
        {
            using var _ = AcquireLock();
            var current = Read();
            var (next, result) = change(current);
            if (next.LocalConfigChange) next = CommitConfig(current, next with { LocalConfigChange = false }, events.Add);
            if (!ReferenceEquals(next, current)) Write(next with { Revision = current.Revision + 1 });
            return result;
        }
        finally
        {
            if (events.Count > 0) Append(events.ToArray());
        }
    }

    public void Update(Func<NodeState, NodeState> change) => Update(s => (change(s), 0));

    private void Write(NodeState state)
    {
        string temp = SecureFiles.TemporaryNameFor(StatePath);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(state, Json);
        try
        {
            using (var stream = SecureFiles.CreateNew(temp))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            if (File.Exists(StatePath)) SecureFiles.KeepAsBackup(StatePath, StatePath + ".bak");
            File.Move(temp, StatePath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw new StoreException($"The state file '{StatePath}' cannot be written: {e.Message}. Nothing was changed.", e);
        }
    }

    private IDisposable AcquireLock()
    {
        RequireWritable();
        SecureFiles.EnsurePrivateDirectory(Directory, "state directory");
        var started = _time.GetTimestamp();
        while (true)
        {
            FileStream? held;
            try { held = SecureFiles.TryLock(LockPath); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StoreException($"The store '{Directory}' cannot be locked: {e.Message}. Check that the directory is writable (run as root).", e);
            }
            if (held is not null) return held;
            if (_time.GetElapsedTime(started) >= LockTimeout)
                throw new StoreException($"The store '{Directory}' stayed locked by another SiosRoute53 process for {LockTimeout.TotalSeconds:0} s. Try again when it has finished.");
            Thread.Sleep(20);
        }
    }

    /// <summary>Appends events to the history (under the lock), keeping the newest <see cref="MaxEvents"/>.</summary>
    public void Append(params HaEvent[] events)
    {
        if (events.Length == 0) return;
        using var _ = AcquireLock();
        var sb = new StringBuilder();
        foreach (var e in events) sb.Append(JsonSerializer.Serialize(e, EventJson)).Append('\n');
        try
        {
            using (var stream = SecureFiles.OpenAppend(EventsPath))
            {
                stream.Write(Encoding.UTF8.GetBytes(sb.ToString()));
                stream.Flush(flushToDisk: true);
            }
            var info = new FileInfo(EventsPath);
            if (info.Length > MaxEvents * 400L)
            {
                List<string> keep;
                using (var reader = new StreamReader(SecureFiles.OpenRead(EventsPath)))
                    keep = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(MaxEvents / 2).ToList();
                string temp = SecureFiles.TemporaryNameFor(EventsPath);
                using (var stream = SecureFiles.CreateNew(temp))
                    stream.Write(Encoding.UTF8.GetBytes(string.Join('\n', keep) + "\n"));
                File.Move(temp, EventsPath, overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"The event history '{EventsPath}' cannot be written: {e.Message}.", e);
        }
    }

    /// <summary>The history, oldest first. A line that cannot be read (a torn write) is skipped.</summary>
    public IReadOnlyList<HaEvent> ReadEvents()
    {
        if (!File.Exists(EventsPath)) return Array.Empty<HaEvent>();
        SecureFiles.EnsurePrivateDirectory(Directory, "state directory");
        var list = new List<HaEvent>();
        string all;
        using (var reader = new StreamReader(SecureFiles.OpenRead(EventsPath), Encoding.UTF8)) all = reader.ReadToEnd();
        foreach (var line in all.Split('\n'))
        {
            if (line.Length == 0) continue;
            try
            {
                if (JsonSerializer.Deserialize<HaEvent>(line, EventJson) is { } e) list.Add(e);
            }
            catch (JsonException) { }
        }
        return list;
    }

}
