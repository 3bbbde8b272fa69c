using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SiosRoute53.Model;

namespace SiosRoute53.Store;

/// <summary>The store cannot be used: corrupt, from a newer version, unreadable, or locked for too long.</summary>
public sealed class StoreException : Exception
{
    public StoreException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// The node's local store: state.json (cluster, resources, dependencies, states) and events.jsonl (the history).
/// Writes take an exclusive lock file, write a temporary file (mode 0600) and rename it over the old one, so a
/// reader always sees a whole document and a crash never leaves half a file. The previous document is kept as
/// state.json.bak. The directory is 0700: readable by root only.
/// </summary>
public sealed class StateStore
{
    public const string DefaultDirectory = "/var/lib/siosroute53";
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const int MaxEvents = 20000;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly JsonSerializerOptions EventJson = new(JsonSerializerDefaults.Web);

    private readonly TimeProvider _time;

    public StateStore(string directory, TimeProvider? time = null)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        _time = time ?? TimeProvider.System;
    }

    public string Directory { get; }
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

    /// <summary>The current document; a node that has never written one gets a fresh one named after the host.</summary>
    public NodeState Read()
    {
        if (!File.Exists(StatePath))
            return new NodeState { NodeName = DefaultNodeName(), ClusterName = "" };
        string text;
        try { text = File.ReadAllText(StatePath); }
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
        return state;
    }

    public static string DefaultNodeName() => Environment.MachineName.Split('.')[0].ToLowerInvariant();

    /// <summary>
    /// Reads, changes and writes the document under the store lock. <paramref name="change"/> may throw to change
    /// nothing. Returns what <paramref name="change"/> returned.
    /// </summary>
    public T Update<T>(Func<NodeState, (NodeState State, T Result)> change)
    {
        using var _ = AcquireLock();
        var current = Read();
        var (next, result) = change(current);
        if (!ReferenceEquals(next, current)) Write(next with { Revision = current.Revision + 1 });
        return result;
    }

    public void Update(Func<NodeState, NodeState> change) => Update(s => (change(s), 0));

    private void Write(NodeState state)
    {
        string temp = StatePath + ".tmp-" + Environment.ProcessId;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(state, Json);
        using (var stream = new FileStream(temp, new FileStreamOptions
               {
                   Mode = FileMode.Create,
                   Access = FileAccess.Write,
                   Share = FileShare.None,
                   UnixCreateMode = OwnerOnlyFile,
               }))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.SetUnixFileMode(temp, OwnerOnlyFile);
        if (File.Exists(StatePath)) File.Copy(StatePath, StatePath + ".bak", overwrite: true);
        File.Move(temp, StatePath, overwrite: true);
    }

    private IDisposable AcquireLock()
    {
        EnsureDirectory();
        var started = _time.GetTimestamp();
        while (true)
        {
            try
            {
                // .NET takes an exclusive flock() for FileShare.None on Unix: another process (the agent, another
                // cmdlet) gets an IOException until this handle is closed, and a killed process releases it.
                return new FileStream(LockPath, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = OwnerOnlyFile,
                });
            }
            catch (IOException) when (_time.GetElapsedTime(started) < LockTimeout)
            {
                Thread.Sleep(20);
            }
            catch (IOException e)
            {
                throw new StoreException($"The store '{Directory}' stayed locked by another SiosRoute53 process for {LockTimeout.TotalSeconds:0} s. Try again when it has finished.", e);
            }
        }
    }

    private void EnsureDirectory()
    {
        if (!System.IO.Directory.Exists(Directory))
            System.IO.Directory.CreateDirectory(Directory, DirectoryMode);
        else if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(Directory) & (UnixFileMode)0b000_111_111) != 0)
            File.SetUnixFileMode(Directory, DirectoryMode);
    }

    /// <summary>Appends events to the history (under the lock), keeping the newest <see cref="MaxEvents"/>.</summary>
    public void Append(params HaEvent[] events)
    {
        if (events.Length == 0) return;
        using var _ = AcquireLock();
        var sb = new StringBuilder();
        foreach (var e in events) sb.Append(JsonSerializer.Serialize(e, EventJson)).Append('\n');
        using (var stream = new FileStream(EventsPath, new FileStreamOptions
               {
                   Mode = FileMode.Append,
                   Access = FileAccess.Write,
                   UnixCreateMode = OwnerOnlyFile,
               }))
        {
            stream.Write(Encoding.UTF8.GetBytes(sb.ToString()));
            stream.Flush(flushToDisk: true);
        }
        var info = new FileInfo(EventsPath);
        if (info.Length > MaxEvents * 400L)
        {
            var keep = File.ReadLines(EventsPath).TakeLast(MaxEvents / 2).ToList();
            string temp = EventsPath + ".tmp-" + Environment.ProcessId;
            File.WriteAllLines(temp, keep);
            File.SetUnixFileMode(temp, OwnerOnlyFile);
            File.Move(temp, EventsPath, overwrite: true);
        }
    }

    /// <summary>The history, oldest first. A line that cannot be read (a torn write) is skipped.</summary>
    public IReadOnlyList<HaEvent> ReadEvents()
    {
        if (!File.Exists(EventsPath)) return Array.Empty<HaEvent>();
        var list = new List<HaEvent>();
        foreach (var line in File.ReadLines(EventsPath))
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

    /// <summary>True when a process with this id is alive (a lease held by a dead process is void).</summary>
    public static bool ProcessAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return System.IO.Directory.Exists($"/proc/{pid}");
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }
}
