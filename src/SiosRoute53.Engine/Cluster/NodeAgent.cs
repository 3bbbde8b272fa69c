using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cluster;

/// <summary>
/// The node agent: listens on the node's communication paths, exchanges authenticated heartbeats, keeps the
/// configuration in step with the other members, quickChecks and recovers in-service resources, fences itself
/// when it loses quorum, and takes hierarchies over from dead nodes (or after a failed local recovery) by priority.
/// A witness runs the same agent with no resources: it answers heartbeats and votes.
/// </summary>
public sealed class NodeAgent
{
    private readonly StateStore _store;
    private readonly ResourceManager _manager;
    private readonly Func<TunableSet> _tunables;
    private readonly KitEnvironment _environment;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly ConcurrentDictionary<string, PeerInfo> _peers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ReplayGuard _replay;
    private readonly SemaphoreSlim _actions = new(1, 1);
    private readonly long _startedAt;
    private TimeSpan _deadAfter = TimeSpan.FromSeconds(15);
    private ClusterKey _key = null!;
    private string _self = "";
    private string _cluster = "";
    private bool _quorum = true;
    private string _quorumReason = "not evaluated yet";
    private bool _fenced;
    private CancellationTokenSource? _checkRound;
    private bool _reconciled;
    private int _rejectionsThisMinute;
    private long _rejectionWindow;

    private sealed class PeerInfo
    {
        public long LastHeard;
        public bool Alive;
        public bool EverHeard;
        public List<ResourceStateReport> Resources = new();
        public long ConfigRevision;
        public string ConfigAuthor = "";
        public long ReportAsOf;
    }

    public NodeAgent(StateStore store, ResourceManager manager, Func<TunableSet> tunables, KitEnvironment environment, Action<string> log)
    {
        _store = store;
        _manager = manager;
        _tunables = tunables;
        _environment = environment;
        _time = environment.Time;
        _log = log;
        _replay = new ReplayGuard(_time);
        _startedAt = _time.GetTimestamp();
    }

    private void Event(string? tag, string action, string outcome, string message, TimeSpan? duration = null)
    {
        _log($"{action} {outcome}: {(tag is null ? "" : tag + ": ")}{message}");
        try
        {
            _store.Append(new HaEvent { Time = _time.GetUtcNow(), Node = _self, Tag = tag, Action = action, Outcome = outcome, Message = message, Duration = duration });
        }
        catch (StoreException e) { _log("cannot record the event: " + e.Message); }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var state = _store.Read();
        if (state.Members.Count == 0)
            throw new HaArgumentException("This node is not in a cluster. Create one with New-HaCluster or join one with Join-HaCluster, then start the agent.");
        var me = state.Member(state.NodeName)
            ?? throw new HaArgumentException($"This node ('{state.NodeName}') is not a member of cluster '{state.ClusterName}'.");
        _key = ClusterKey.Load(ClusterKey.PathIn(_store.Directory)).Key;
        _self = state.NodeName;
        _cluster = state.ClusterName;

        var listeners = new List<TcpListener>();
        try
        {
            foreach (var path in me.Paths)
            {
                var (host, port) = PeerClient.ParsePath(path);
                var listener = new TcpListener(IPAddress.Parse(host), port);
                try { listener.Start(64); }
                catch (SocketException e)
                {
                    throw new HaArgumentException($"Cannot listen on communication path {path}: {e.Message}. Is {host} an address of this node, and is the port free?", path);
                }
                listeners.Add(listener);
            }
            Event(null, "agent", "started", $"Node agent of '{_self}' ({me.Role}) in cluster '{_cluster}' listening on {string.Join(", ", me.Paths)}; key {_key.Fingerprint}.");
            var tasks = listeners.Select(l => AcceptLoopAsync(l, cancellationToken)).ToList();
            tasks.Add(HeartbeatLoopAsync(cancellationToken));
            if (me.Role == MemberRole.Node) tasks.Add(CheckLoopAsync(cancellationToken));
            try { await Task.WhenAll(tasks); }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
            if (_self.Length > 0) Event(null, "agent", "stopped", $"Node agent of '{_self}' stopped.");
        }
    }

    // ---- serving ---------------------------------------------------------------------------------------------

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(cancellationToken); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { continue; }
            _ = Task.Run(() => ServeAsync(client, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            string remote = client.Client.RemoteEndPoint?.ToString() ?? "?";
            var stream = client.GetStream();
            AgentMessage request;
            try
            {
                request = await Protocol.ReadAsync(stream, _key, _cluster, _replay, _time, TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (ProtocolException e)
            {
                Rejected(remote, e.Message);
                return;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                return;
            }
            AgentMessage reply;
            try
            {
                reply = await HandleAsync(request, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                reply = Protocol.Create(MessageTypes.Error, _self, _cluster, new ErrorBody(e.Message), _time);
            }
            try { await stream.WriteAsync(Protocol.Encode(reply, _key), cancellationToken); }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException) { }
        }
    }

    private void Rejected(string remote, string reason)
    {
        long now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_rejectionWindow, now) > TimeSpan.FromMinutes(1))
        {
            _rejectionWindow = now;
            _rejectionsThisMinute = 0;
        }
        if (++_rejectionsThisMinute <= 20)
            Event(null, "security", "rejected", $"Refused a frame from {remote}: {reason}.");
    }

    private AgentMessage Reply<T>(string type, T body) => Protocol.Create(type, _self, _cluster, body, _time);

    private async Task<AgentMessage> HandleAsync(AgentMessage request, CancellationToken cancellationToken)
    {
        switch (request.Type)
        {
            case MessageTypes.Heartbeat:
                if (!Observing(_deadAfter)) throw new ProtocolException("this node cannot observe its peers any more; it does not answer heartbeats");
                Heard(request.From, request.BodyAs<HeartbeatBody>());
                return Reply(MessageTypes.Heartbeat, OwnHeartbeat());
            case MessageTypes.GetConfig:
                return Reply(MessageTypes.Config, ClusterConfig.Of(_store.Read()));
            case MessageTypes.Join:
            {
                var join = request.BodyAs<JoinBody>();
                var state = _store.Read();
                var existing = state.Member(join.Name);
                if (existing is null)
                    new ClusterService(_store, _time).AddMember(join.Name, join.Role, join.Paths);
                else if (!existing.Paths.SequenceEqual(join.Paths))
                    throw new HaArgumentException($"'{join.Name}' is already a member with paths {string.Join(", ", existing.Paths)}.");
                Event(null, "cluster", "joined", $"{join.Role.ToString().ToLowerInvariant()} '{join.Name}' joined through this node on {string.Join(", ", join.Paths)}.");
                return Reply(MessageTypes.Config, ClusterConfig.Of(_store.Read()));
            }
            case MessageTypes.PeerStatus:
            {
                var peer = request.BodyAs<PeerStatusBody>().Peer;
                bool alive = _peers.TryGetValue(peer, out var info) && info.Alive;
                double since = info is { EverHeard: true } ? _time.GetElapsedTime(info.LastHeard).TotalSeconds : -1;
                return Reply(MessageTypes.PeerStatus, new PeerStatusReply(alive, since));
            }
            case MessageTypes.Status:
                return Reply(MessageTypes.Status, Status());
            case MessageTypes.Restore:
            {
                var body = request.BodyAs<OperationBody>();
                Event(body.Tag, "restore", "requested", $"'{request.From}' asked this node to bring '{body.Tag}' in service" + (body.Reason is null ? "." : $": {body.Reason}."));
                return Reply(MessageTypes.Ok, await RunLockedAsync(() => _manager.StartAsync(body.Tag, Options(body.Force), cancellationToken)));
            }
            case MessageTypes.Remove:
            {
                var body = request.BodyAs<OperationBody>();
                Event(body.Tag, "remove", "requested", $"'{request.From}' asked this node to take '{body.Tag}' out of service" + (body.Reason is null ? "." : $": {body.Reason}."));
                return Reply(MessageTypes.Ok, await RunLockedAsync(() => _manager.StopHierarchyAsync(body.Tag, Options(false), cancellationToken)));
            }
            case MessageTypes.TakeOver:
            {
                var body = request.BodyAs<OperationBody>();
                var verdict = await EvaluateQuorumAsync(cancellationToken);
                if (!verdict.Ok)
                {
                    Event(body.Tag, "failover", "refused", $"'{request.From}' asked this node to take '{body.Tag}' over, but it has no quorum ({verdict.Reason}).");
                    return Reply(MessageTypes.Ok, new OperationReply(false, "no quorum: " + verdict.Reason, 0, new()));
                }
                Event(body.Tag, "failover", "requested", $"'{request.From}' hands '{body.Tag}' over: {body.Reason}.");
                var result = await RunLockedAsync(() => _manager.StartAsync(body.Tag, Options(false), cancellationToken));
                Event(body.Tag, "failover", result.Succeeded ? "success" : "failed", result.Message, TimeSpan.FromSeconds(result.Seconds));
                return Reply(MessageTypes.Ok, result);
            }
            case MessageTypes.ValidateExtension:
            {
                var body = request.BodyAs<ExtensionBody>();
                await _manager.ValidateExtensionAsync(body.Resources, body.Children, _self, cancellationToken);
                return Reply(MessageTypes.Ok, new ErrorBody("valid"));
            }
            default:
                throw new ProtocolException($"unknown message type '{request.Type}'");
        }
    }

    private OperationOptions Options(bool force) => new() { Force = force, Log = _log };

    private async Task<OperationReply> RunLockedAsync(Func<Task<HaOperationResult>> action)
    {
        await _actions.WaitAsync();
        try { return ToReply(await action()); }
        finally { _actions.Release(); }
    }

    public static OperationReply ToReply(HaOperationResult r) =>
        new(r.Succeeded, r.Message, r.Duration.TotalSeconds, r.Steps.Select(s => new StepReply(s.Tag, s.Action, s.Outcome, s.Message, s.Duration.TotalSeconds)).ToList());

    private HeartbeatBody OwnHeartbeat()
    {
        var state = _store.Read();
        var mine = state.States.Where(s => s.Node.Equals(_self, StringComparison.OrdinalIgnoreCase)).Select(s => new ResourceStateReport(s.Tag, s.State)).ToList();
        return new HeartbeatBody(_self, state.ConfigRevision, state.ConfigAuthor, mine, _quorum, _time.GetUtcNow().UtcTicks);
    }

    private void Heard(string from, HeartbeatBody body)
    {
        var info = _peers.GetOrAdd(from, _ => new PeerInfo());
        lock (info)
        {
            info.LastHeard = _time.GetTimestamp();
            info.EverHeard = true;
            // A heartbeat and a reply cross on the wire: an older report must not replace a newer one.
            if (body.AsOf < info.ReportAsOf) return;
            info.ReportAsOf = body.AsOf;
            info.Resources = body.Resources;
            info.ConfigRevision = body.ConfigRevision;
            info.ConfigAuthor = body.ConfigAuthor;
        }
    }

    private StatusReply Status()
    {
        var state = _store.Read();
        var peers = state.Members.Where(m => !m.Name.Equals(_self, StringComparison.OrdinalIgnoreCase)).Select(m =>
        {
            _peers.TryGetValue(m.Name, out var info);
            return new PeerView(m.Name, m.Role, info?.Alive ?? false,
                info is { EverHeard: true } ? _time.GetElapsedTime(info.LastHeard).TotalSeconds : null,
                info?.Resources ?? new());
        }).ToList();
        return new StatusReply(_self, _quorum, peers, OwnHeartbeat().Resources, state.ConfigRevision);
    }

    // ---- heartbeats, liveness, configuration, quorum, failover -----------------------------------------------

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(5);
        while (!cancellationToken.IsCancellationRequested)
        {
            var tick = _time.GetTimestamp();
            try
            {
                var tunables = _tunables();
                interval = tunables.Seconds("LCMHBEATTIME");
                await HeartbeatRoundAsync(tunables, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // No exception ends the loop: a node that stopped observing would still answer heartbeats and
                // never fence or fail over. The fault is an event; heartbeats are refused while it lasts.
                if (Volatile.Read(ref _failingSince) == 0) Volatile.Write(ref _failingSince, _time.GetTimestamp());
                Event(null, "agent", "error", $"The heartbeat round failed ({e.GetType().Name}): {e.Message}. Going on.");
            }
            var rest = interval - _time.GetElapsedTime(tick);
            if (rest > TimeSpan.Zero) await Task.Delay(rest, _time, cancellationToken);
        }
    }

    private long _failingSince;

    /// <summary>False when every heartbeat round has failed for longer than the dead time: this node cannot observe.</summary>
    private bool Observing(TimeSpan deadAfter) => Volatile.Read(ref _failingSince) is var since && (since == 0 || _time.GetElapsedTime(since) < deadAfter);

    private async Task HeartbeatRoundAsync(TunableSet tunables, CancellationToken cancellationToken)
    {
        var state = _store.Read();
        var interval = tunables.Seconds("LCMHBEATTIME");
        var timeout = TimeSpan.FromSeconds(Math.Min(3, Math.Max(1, interval.TotalSeconds)));
        var client = new PeerClient(_key, _cluster, _self, _time);
        var body = OwnHeartbeat();
        var sends = state.Members.Where(m => !m.Name.Equals(_self, StringComparison.OrdinalIgnoreCase))
            .SelectMany(m => m.Paths.Select(p => (m.Name, Path: p)))
            .Select(async target =>
            {
                try
                {
                    var reply = await client.RequestAsync(target.Path, MessageTypes.Heartbeat, body, timeout, cancellationToken);
                    Heard(target.Name, reply.BodyAs<HeartbeatBody>());
                }
                catch (PeerRequestException) { }
            });
        await Task.WhenAll(sends);

        var deadAfter = interval * tunables.Int("LCMNUMHBEATS");
        bool settled = _time.GetElapsedTime(_startedAt) >= deadAfter;
        foreach (var member in state.Members.Where(m => !m.Name.Equals(_self, StringComparison.OrdinalIgnoreCase)))
        {
            var info = _peers.GetOrAdd(member.Name, _ => new PeerInfo());
            bool alive = info.EverHeard && _time.GetElapsedTime(info.LastHeard) < deadAfter;
            if (alive && !info.Alive)
                Event(null, "heartbeat", "restored", $"'{member.Name}' is reachable{(info.EverHeard && settled ? " again" : "")}.");
            else if (!alive && info.Alive)
                Event(null, "heartbeat", "lost", $"'{member.Name}' missed {tunables.Int("LCMNUMHBEATS")} heartbeats (LCMHBEATTIME {interval.TotalSeconds:0} s) on all {member.Paths.Count} path(s): it is dead.");
            info.Alive = alive;
        }

        Volatile.Write(ref _failingSince, 0);
        _deadAfter = deadAfter;
        await SyncConfigurationAsync(client, state, cancellationToken);
        if (!settled) return;

        var verdict = await EvaluateQuorumAsync(cancellationToken);
        if (verdict.Ok != _quorum) Event(null, "quorum", verdict.Ok ? "gained" : "lost", verdict.Reason);
        _quorum = verdict.Ok;
        _quorumReason = verdict.Reason;
        var self = state.Member(_self);
        if (self?.Role != MemberRole.Node) return;
        if (!_quorum)
        {
            await FenceAsync(tunables, cancellationToken);
            return;
        }
        _fenced = false;
        if (!_reconciled)
        {
            _reconciled = true;
            await ReconcileAsync(cancellationToken);
        }
        await FailoverFromDeadPeersAsync(tunables, cancellationToken);
    }

    private async Task SyncConfigurationAsync(PeerClient client, NodeState state, CancellationToken cancellationToken)
    {
        var newest = state.Members
            .Where(m => _peers.TryGetValue(m.Name, out var i) && i.Alive && (i.ConfigRevision > state.ConfigRevision || (i.ConfigRevision == state.ConfigRevision && string.CompareOrdinal(i.ConfigAuthor, state.ConfigAuthor) > 0)))
            .OrderByDescending(m => _peers[m.Name].ConfigRevision).FirstOrDefault();
        if (newest is null) return;
        foreach (var path in newest.Paths)
        {
            try
            {
                var config = (await client.RequestAsync(path, MessageTypes.GetConfig, new { }, TimeSpan.FromSeconds(5), cancellationToken)).BodyAs<ClusterConfig>();
                bool adopted = _store.Update(s => config.IsNewerThan(s) ? (ClusterService.Adopt(s, config), true) : (s, false));
                if (adopted) Event(null, "configuration", "updated", $"Adopted configuration revision {config.Revision} (by '{config.Author}') from '{newest.Name}': {config.Members.Count} member(s), {config.Resources.Count} resource(s).");
                return;
            }
            catch (PeerRequestException) { }
        }
    }

    private async Task<QuorumEvaluator.Verdict> EvaluateQuorumAsync(CancellationToken cancellationToken)
    {
        var tunables = _tunables();
        var state = _store.Read();
        return tunables.Text("QUORUM_MODE") switch
        {
            "none" => new QuorumEvaluator.Verdict(true, "QUORUM_MODE=none"),
            "tcp_remote" => await QuorumEvaluator.TcpRemoteAsync(tunables, cancellationToken),
            _ => QuorumEvaluator.Majority(state.Members.Count,
                1 + state.Members.Count(m => !m.Name.Equals(_self, StringComparison.OrdinalIgnoreCase) && _peers.TryGetValue(m.Name, out var i) && i.Alive)),
        };
    }

    /// <summary>Without quorum this node must not keep hierarchies in service: QUORUM_LOSS_ACTION.</summary>
    private async Task FenceAsync(TunableSet tunables, CancellationToken cancellationToken)
    {
        if (_fenced) return;
        _fenced = true;
        // A check may be waiting on Route 53 that this node can no longer reach; fencing must not wait behind it.
        try { _checkRound?.Cancel(); } catch (ObjectDisposedException) { }
        string action = tunables.Text("QUORUM_LOSS_ACTION");
        var state = _store.Read();
        var roots = Roots(state).Where(r => state.StatusOf(r, _self).State is ResourceState.ISP or ResourceState.ISU).ToList();
        if (action is "fastkill" or "fastboot")
        {
            string command = tunables.Text(action == "fastkill" ? "FASTKILL_COMMAND" : "FASTBOOT_COMMAND");
            Event(null, "quorum", "fence", $"Quorum lost ({_quorumReason}); QUORUM_LOSS_ACTION={action}: running '{command}'.");
            await _environment.Commands.RunAsync(command, TimeSpan.FromSeconds(30), cancellationToken);
            return;
        }
        if (roots.Count == 0)
        {
            Event(null, "quorum", "fence", $"Quorum lost ({_quorumReason}); nothing in service here to take out (QUORUM_LOSS_ACTION=osu).");
            return;
        }
        foreach (var root in roots)
        {
            Event(root, "quorum", "fence", $"Quorum lost ({_quorumReason}); taking '{root}' out of service (QUORUM_LOSS_ACTION=osu).");
            var result = await RunLockedAsync(() => _manager.StopHierarchyAsync(root, Options(false), cancellationToken));
            Event(root, "quorum", result.Succeeded ? "fenced" : "failed", result.Message, TimeSpan.FromSeconds(result.Seconds));
        }
    }

    /// <summary>Hierarchy tops: resources nothing depends on, extended to this node.</summary>
    private IEnumerable<string> Roots(NodeState state) =>
        state.Resources.Where(r => !state.ParentsOf(r.Tag).Any() && r.Nodes.ContainsKey(_self)).Select(r => r.Tag);

    /// <summary>
    /// After a restart, a hierarchy this node still marks in service while a live peer has it in service is taken
    /// out here: the node rejoins as standby instead of fighting for the record.
    /// </summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var state = _store.Read();
        foreach (var root in Roots(state).Where(r => state.StatusOf(r, _self).State is ResourceState.ISP or ResourceState.ISU))
        {
            var owner = LiveOwner(root);
            if (owner is null) continue;
            Event(root, "reconcile", "standby", $"'{owner}' has '{root}' in service; taking it out here and standing by.");
            await RunLockedAsync(() => _manager.StopHierarchyAsync(root, Options(false), cancellationToken));
        }
    }

    private string? LiveOwner(string root) =>
        _peers.Where(p => p.Value.Alive && p.Value.Resources.Any(r => r.Tag.Equals(root, StringComparison.OrdinalIgnoreCase) && r.State is ResourceState.ISP or ResourceState.ISU))
            .Select(p => p.Key).FirstOrDefault();

    /// <summary>The live node members (this one included) the hierarchy is extended to, best priority first.</summary>
    private List<string> Candidates(NodeState state, string root, string? except = null)
    {
        var definition = state.Find(root);
        if (definition is null) return new();
        return state.Members
            .Where(m => m.Role == MemberRole.Node && definition.Nodes.ContainsKey(m.Name))
            .Where(m => m.Name.Equals(_self, StringComparison.OrdinalIgnoreCase) || (_peers.TryGetValue(m.Name, out var i) && i.Alive))
            .Where(m => except is null || !m.Name.Equals(except, StringComparison.OrdinalIgnoreCase))
            .OrderBy(m => definition.Nodes[m.Name].Priority).ThenBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => m.Name).ToList();
    }

    private async Task FailoverFromDeadPeersAsync(TunableSet tunables, CancellationToken cancellationToken)
    {
        var state = _store.Read();
        foreach (var root in Roots(state))
        {
            if (state.StatusOf(root, _self).State is ResourceState.ISP or ResourceState.ISU) continue;
            if (LiveOwner(root) is not null) continue;
            var deadOwner = _peers.Where(p => !p.Value.Alive && p.Value.Resources.Any(r => r.Tag.Equals(root, StringComparison.OrdinalIgnoreCase) && r.State is ResourceState.ISP or ResourceState.ISU))
                .Select(p => p.Key).FirstOrDefault();
            if (deadOwner is null) continue;
            var candidates = Candidates(state, root);
            if (candidates.FirstOrDefault() is not { } first || !first.Equals(_self, StringComparison.OrdinalIgnoreCase)) continue;

            if (tunables.Text("WITNESS_MODE") == "remote_verify" && await SomeoneStillHearsAsync(state, deadOwner, cancellationToken) is { } witness)
            {
                Event(root, "failover", "deferred", $"'{deadOwner}' seems dead here, but '{witness}' still hears it; not taking '{root}' over.");
                continue;
            }
            Event(root, "failover", "started", $"'{deadOwner}' is dead and had '{root}' in service; this node is next by priority and has quorum ({_quorumReason}).");
            var result = await RunLockedAsync(() => _manager.StartAsync(root, Options(false), cancellationToken));
            Event(root, "failover", result.Succeeded ? "success" : "failed", result.Message, TimeSpan.FromSeconds(result.Seconds));
            if (_peers.TryGetValue(deadOwner, out var info))
                lock (info) info.Resources = info.Resources.Where(r => !r.Tag.Equals(root, StringComparison.OrdinalIgnoreCase)).ToList();
            if (!result.Succeeded) await HandOverAsync(state, root, $"failover to '{_self}' failed: {result.Message}", cancellationToken);
        }
    }

    /// <summary>WITNESS_MODE=remote_verify: another reachable member that still hears the peer vetoes the takeover.</summary>
    private async Task<string?> SomeoneStillHearsAsync(NodeState state, string peer, CancellationToken cancellationToken)
    {
        var client = new PeerClient(_key, _cluster, _self, _time);
        foreach (var member in state.Members.Where(m => !m.Name.Equals(_self, StringComparison.OrdinalIgnoreCase) && !m.Name.Equals(peer, StringComparison.OrdinalIgnoreCase)))
        {
            if (!_peers.TryGetValue(member.Name, out var info) || !info.Alive) continue;
            foreach (var path in member.Paths)
            {
                try
                {
                    var reply = (await client.RequestAsync(path, MessageTypes.PeerStatus, new PeerStatusBody(peer), TimeSpan.FromSeconds(3), cancellationToken)).BodyAs<PeerStatusReply>();
                    if (reply.Alive) return member.Name;
                    break;
                }
                catch (PeerRequestException) { }
            }
        }
        return null;
    }

    /// <summary>Asks the next node by priority to take a hierarchy this node cannot keep.</summary>
    private async Task HandOverAsync(NodeState state, string root, string reason, CancellationToken cancellationToken)
    {
        var client = new PeerClient(_key, _cluster, _self, _time);
        foreach (var next in Candidates(state, root, except: _self))
        {
            var member = state.Member(next)!;
            foreach (var path in member.Paths)
            {
                try
                {
                    Event(root, "failover", "handover", $"Asking '{next}' to take '{root}' over: {reason}");
                    var reply = (await client.RequestAsync(path, MessageTypes.TakeOver, new OperationBody(root, false, reason), TimeSpan.FromMinutes(15), cancellationToken)).BodyAs<OperationReply>();
                    Event(root, "failover", reply.Succeeded ? "handed-over" : "failed", $"'{next}': {reply.Message}", TimeSpan.FromSeconds(reply.Seconds));
                    if (reply.Succeeded) return;
                    break;
                }
                catch (PeerRequestException e) { _log($"handover to {next} over {path} failed: {e.Message}"); }
            }
        }
        Event(root, "failover", "failed", $"No other node could take '{root}' over; it stays out of service.");
    }

    // ---- checks and local recovery ---------------------------------------------------------------------------

    private async Task CheckLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan interval;
            try { interval = _tunables().Seconds("LKCHECKINTERVAL"); }
            catch (Exception e) when (e is not OperationCanceledException) { _log(e.Message); interval = TimeSpan.FromSeconds(120); }
            await Task.Delay(interval, _time, cancellationToken);
            // Not before this node has heard its peers and stood down where another node has taken over.
            if (!_quorum || !_reconciled) continue;
            try
            {
                var watch = Stopwatch.StartNew();
                IReadOnlyList<HaCheckResult> results;
                using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _checkRound = round;
                await _actions.WaitAsync(cancellationToken);
                try { results = await _manager.CheckAsync(null, recover: true, Options(false), round.Token); }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _log("check round cancelled: quorum was lost");
                    continue;
                }
                finally
                {
                    _actions.Release();
                    _checkRound = null;
                }
                var failed = results.Where(r => r.Recovered == false).ToList();
                if (failed.Count == 0) continue;
                var state = _store.Read();
                foreach (var root in failed.SelectMany(f => RootsAbove(state, f.Tag)).Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    Event(root, "failover", "started", $"Local recovery of {string.Join(", ", failed.Select(f => f.Tag))} failed; moving '{root}' to the next node by priority.");
                    await RunLockedAsync(() => _manager.StopHierarchyAsync(root, Options(false), cancellationToken));
                    await HandOverAsync(_store.Read(), root, $"local recovery failed on '{_self}'", cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Event(null, "agent", "error", $"The check round failed ({e.GetType().Name}): {e.Message}. Going on.");
            }
        }
    }

    private static IEnumerable<string> RootsAbove(NodeState state, string tag)
    {
        var parents = state.ParentsOf(tag).ToList();
        return parents.Count == 0 ? new[] { tag } : parents.SelectMany(p => RootsAbove(state, p));
    }
}
