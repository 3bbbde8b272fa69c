using SiosRoute53.Model;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cluster;

/// <summary>
/// The observing loop: every LCMHBEATTIME it sends heartbeats, decides who is alive, evaluates quorum, asks the
/// planner what to do and hands the plan to the executor without waiting for it. No exception ends the loop; a node
/// whose rounds keep failing stops answering heartbeats (<see cref="Observing"/>), so its peers see it dead rather
/// than healthy.
/// </summary>
public sealed class ClusterObserver
{
    private readonly StateStore _store;
    private readonly Func<TunableSet> _tunables;
    private readonly PeerTable _table;
    private readonly Heartbeater _heartbeater;
    private readonly ActionExecutor _executor;
    private readonly ClusterEvents _events;
    private readonly TimeProvider _time;
    private readonly TcpRemoteQuorum _tcpRemote;
    private readonly string _self;
    private readonly long _startedAt;
    private long _lastObserved;
    private ClusterSettings _settings;
    private string? _settingsProblem;
    private QuorumVerdict _quorum = new(true, "not evaluated yet");

    public ClusterObserver(string self, StateStore store, Func<TunableSet> tunables, PeerTable table, Heartbeater heartbeater, ActionExecutor executor,
        ClusterEvents events, TimeProvider time, TcpRemoteQuorum tcpRemote)
    {
        _self = self;
        _store = store;
        _tunables = tunables;
        _table = table;
        _heartbeater = heartbeater;
        _executor = executor;
        _events = events;
        _time = time;
        _tcpRemote = tcpRemote;
        _startedAt = _lastObserved = time.GetTimestamp();
        _settings = new ClusterSettings();
        Settings();
    }

    public QuorumVerdict Quorum => Volatile.Read(ref _quorum);

    /// <summary>
    /// The settings in force: read each round; a bad tunables file keeps the last good settings (an event says so,
    /// once) instead of stopping the loop.
    /// </summary>
    public ClusterSettings Settings()
    {
        try
        {
            var settings = ClusterSettings.From(_tunables());
            if (_settingsProblem is not null) _events.Record(null, "agent", "settings", "The tunables are readable again; their settings are in force.");
            _settingsProblem = null;
            Volatile.Write(ref _settings, settings);
            return settings;
        }
        catch (Exception e) when (e is TunablesFileException or ClusterSettingsException or IOException or UnauthorizedAccessException)
        {
            if (_settingsProblem != e.Message)
                _events.Record(null, "agent", "settings", $"The tunables cannot be used ({e.Message}); the agent keeps its last good settings.", rule: PlannerRule.LoopSurvivesFault);
            _settingsProblem = e.Message;
            return Volatile.Read(ref _settings);
        }
    }

    /// <summary>True while the loop completes its rounds: heartbeats are answered only then.</summary>
    public bool Observing
    {
        get
        {
            var s = Volatile.Read(ref _settings);
            return _time.GetElapsedTime(Volatile.Read(ref _lastObserved)) < s.DeadAfter + s.HeartbeatTimeout;
        }
    }

    /// <summary>This node's heartbeat: its resources with their ownership generations and claims, whom it hears, its quorum.</summary>
    public HeartbeatBody OwnHeartbeat(bool leaving = false)
    {
        var state = _store.Read();
        var memory = _executor.Memory;
        var mine = state.States.Where(s => s.Node.Equals(_self, StringComparison.OrdinalIgnoreCase)).Select(s =>
        {
            bool inService = s.State is ResourceState.ISP or ResourceState.ISU;
            var claim = memory.Restoring.Contains(s.Tag) || s.BusyAction == EventActions.Restore && Hierarchy.Leases.Held(s) ? OwnershipClaim.Restoring
                : !inService && memory.Fenced.Contains(s.Tag) ? OwnershipClaim.Fenced
                : !inService && memory.Released.Contains(s.Tag) ? OwnershipClaim.Released
                : OwnershipClaim.None;
            return new ResourceStateReport(s.Tag, s.State, memory.GenerationOf(s.Tag), claim);
        }).ToList();
        return new HeartbeatBody(_self, state.ConfigRevision, state.ConfigAuthor, mine, Quorum.Ok, _time.GetUtcNow().UtcTicks,
            _table.Snapshot.Alive.Select(p => p.Name).ToList(), leaving);
    }

    /// <summary>
    /// Sends a heartbeat round to the live peers now: an announcement (a claim, a stand-down, a clean leave) reaches
    /// them before the next tick, and a takeover does not wait on the dead owner's silence.
    /// </summary>
    public async Task AnnounceAsync(bool leaving, CancellationToken cancellationToken)
    {
        var settings = Volatile.Read(ref _settings);
        var peers = _table.Snapshot;
        var live = _store.Read().Members.Where(m => peers.IsAlive(m.Name)).ToList();
        await _heartbeater.RoundAsync(live, _self, OwnHeartbeat(leaving), settings.HeartbeatTimeout, cancellationToken);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var tick = _time.GetTimestamp();
            var settings = Settings();
            try
            {
                await RoundAsync(settings, cancellationToken);
                Volatile.Write(ref _lastObserved, _time.GetTimestamp());
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _events.Fault("heartbeat", e);
            }
            var rest = settings.HeartbeatInterval - _time.GetElapsedTime(tick);
            if (rest > TimeSpan.Zero)
            {
                try { await Task.Delay(rest, _time, cancellationToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task RoundAsync(ClusterSettings settings, CancellationToken cancellationToken)
    {
        var state = _store.Read();
        _executor.Load(state);
        await _heartbeater.RoundAsync(state.Members, _self, OwnHeartbeat(), settings.HeartbeatTimeout, cancellationToken);

        bool settled = _time.GetElapsedTime(_startedAt) >= settings.DeadAfter;
        foreach (var change in _table.Evaluate(state.Members, _self, settings.DeadAfter))
        {
            var member = state.Member(change.Peer);
            string message = change.Change switch
            {
                PeerChange.Restored => $"'{change.Peer}' is reachable{(settled ? " again" : "")}.",
                PeerChange.Left => $"'{change.Peer}' stopped its agent cleanly: it is not lost, and it does not count in the expected votes until it is back.",
                _ => $"'{change.Peer}' missed {settings.MissedHeartbeats} heartbeats (LCMHBEATTIME {settings.HeartbeatInterval.TotalSeconds:0} s) on all {member?.Paths.Count ?? 0} path(s): it is dead.",
            };
            _events.Record(null, "heartbeat", change.Change switch { PeerChange.Restored => "restored", PeerChange.Left => "left", _ => "lost" }, message,
                rule: change.Change == PeerChange.Left ? PlannerRule.CleanLeave : null);
        }
        if (!settled)
        {
            // A restarted owner does not wait a dead time to learn that a live peer took its hierarchies over.
            _executor.Post(ClusterPlanner.Plan(new PlannerInput
            {
                Self = _self, State = state, Peers = _table.Snapshot, Quorum = Quorum, Settings = settings, Memory = _executor.Memory,
                Now = _time.GetUtcNow(), Observed = false,
            }));
            return;
        }

        var peers = _table.Snapshot;
        IQuorumStrategy strategy = settings.QuorumMode switch
        {
            QuorumMode.None => new NoQuorum(),
            QuorumMode.TcpRemote => _tcpRemote,
            _ => new MajorityQuorum(),
        };
        var verdict = strategy.Evaluate(new QuorumInput(_self, state.Members, peers));
        var before = Quorum;
        if (verdict.Ok != before.Ok)
        {
            _events.Record(null, "quorum", verdict.Ok ? "gained" : "lost", verdict.Reason, rule: verdict.Ok ? null : PlannerRule.FenceOnQuorumLoss);
            if (verdict.Ok) _executor.QuorumRegained();
            else _executor.QuorumLost();
        }
        Volatile.Write(ref _quorum, verdict);

        var plan = ClusterPlanner.Plan(new PlannerInput
        {
            Self = _self,
            State = state,
            Peers = peers,
            Quorum = verdict,
            Settings = settings,
            Memory = _executor.Memory,
            Now = _time.GetUtcNow(),
        });
        _executor.Post(plan);
    }
}
