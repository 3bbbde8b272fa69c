using System.Net;
using System.Net.Sockets;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cluster;

/// <summary>
/// The node agent, in three parts. Observe: this server (frames in, dispatch), the <see cref="PeerTable"/>, the
/// <see cref="ClusterObserver"/> (heartbeats, liveness, quorum), the <see cref="ConfigReplicator"/> and the
/// tcp_remote prober. Decide: <see cref="ClusterPlanner"/>, a pure function. Act: the <see cref="ActionExecutor"/>
/// and the <see cref="CheckLoop"/>. A witness runs the same agent with no resources: it answers heartbeats and votes.
/// </summary>
public sealed class NodeAgent
{
    private readonly StateStore _store;
    private readonly ResourceManager _manager;
    private readonly Func<TunableSet> _tunables;
    private readonly KitEnvironment _environment;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly ReplayGuard _replay;
    private readonly PeerTable _table;
    private ClusterEvents _events = null!;
    private ClusterObserver _observer = null!;
    private ActionExecutor _executor = null!;
    private ClusterKey _key = null!;
    private string _self = "";
    private string _cluster = "";
    private RejectionHistory _rejections = null!;
    private bool _refusingHeartbeats;

    public NodeAgent(StateStore store, ResourceManager manager, Func<TunableSet> tunables, KitEnvironment environment, Action<string> log)
    {
        _store = store;
        _manager = manager;
        _tunables = tunables;
        _environment = environment;
        _time = environment.Time;
        _log = log;
        _replay = new ReplayGuard(_time);
        _table = new PeerTable(_time);
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
        _events = new ClusterEvents(_store, _time, _log) { Node = _self };
        _rejections = new RejectionHistory(_time, message => _events.Record(null, "security", "rejected", message));
        var client = new PeerClient(_key, _cluster, _self, _time);
        var tcpRemote = new TcpRemoteQuorum(_time);
        _executor = new ActionExecutor(_manager, () => _observer.Settings(), _events, _environment);
        _executor.Load(state);
        _observer = new ClusterObserver(_self, _store, _tunables, _table, new Heartbeater(_table, client), _executor, _events, _time, tcpRemote);
        _executor.Announce = ct => _observer.AnnounceAsync(leaving: false, ct);
        _executor.HandOver = (root, reason, ct) => HandOverAsync(client, root, reason, ct);
        var replicator = new ConfigReplicator(_store, _table, client, _events, _time);

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
            _events.Record(null, "agent", "started", $"Node agent of '{_self}' ({me.Role}) in cluster '{_cluster}' listening on {string.Join(", ", me.Paths)}; key {_key.Fingerprint}.");
            if (_observer.Settings().TwoNodeWarning(state.Members) is { } warning) _events.Record(null, "cluster", "warning", warning);
            // The loops outlive the stop request by the release: heartbeats go on (this node is seen alive, not dead with
            // its hierarchies in service) while it hands them over.
            using var loops = new CancellationTokenSource();
            var stopping = loops.Token;
            var tasks = listeners.Select(l => AcceptLoopAsync(l, stopping)).ToList();
            tasks.Add(_observer.RunAsync(stopping));
            tasks.Add(replicator.RunAsync(_observer.Settings, stopping));
            tasks.Add(tcpRemote.RunAsync(_observer.Settings, e => _events.Fault("tcp_remote quorum", e), stopping));
            if (me.Role == MemberRole.Node)
            {
                tasks.Add(_executor.RunAsync(stopping));
                tasks.Add(new CheckLoop(_manager, _executor, _observer, _store, _events, _time).RunAsync(stopping));
            }
            var all = Task.WhenAll(tasks);
            try { await all.WaitAsync(cancellationToken); }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (me.Role == MemberRole.Node) await ReleaseAsync();
            }
            finally
            {
                loops.Cancel();
                try { await all; }
                catch (OperationCanceledException) { }
            }
        }
        finally
        {
            if (_self.Length > 0 && cancellationToken.IsCancellationRequested) await LeaveAsync();
            foreach (var l in listeners) l.Stop();
            _rejections?.Dispose();
            if (_self.Length > 0) _events.Record(null, "agent", "stopped", $"Node agent of '{_self}' stopped.");
        }
    }

    /// <summary>
    /// Rule 1: a clean stop tells the others this node is leaving, so they shrink the expected votes instead of counting
    /// it lost. What it had in service it handed to the next node by priority first (<see cref="ReleaseAsync"/>): a node
    /// whose agent is stopped is not watched, so nothing could take its hierarchies over if its machine died later.
    /// </summary>
    private async Task LeaveAsync()
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _observer.AnnounceAsync(leaving: true, limit.Token);
            _events.Record(null, "agent", "leaving", "Told the other members this node's agent is stopping cleanly: they do not count it lost, and it does not vote until it is back.", rule: PlannerRule.CleanLeave);
        }
        catch (Exception e) when (e is OperationCanceledException or StoreException or IOException) { _log("could not announce leaving: " + e.Message); }
    }

    /// <summary>How long a clean stop may spend taking its hierarchies out of service before it leaves.</summary>
    private static readonly TimeSpan ReleaseBudget = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A clean stop with hierarchies in service (LifeKeeper's lkstop with the switchover shutdown strategy, Pacemaker's
    /// cluster stop): each goes out of service here (parents first) and is reported released, so the next live node by
    /// priority takes it over at once (rule takeover-after-clean-stop). With no live node that has quorum to take it,
    /// it stays in service here, unprotected until the agent is back, and the history says so.
    /// </summary>
    private async Task ReleaseAsync()
    {
        var state = _store.Read();
        if (state.Member(_self)?.Role != MemberRole.Node) return;
        var input = new PlannerInput
        {
            Self = _self, State = state, Peers = _table.Snapshot, Quorum = _observer.Quorum, Settings = _observer.Settings(),
            Memory = _executor.Memory, Now = _time.GetUtcNow(),
        };
        foreach (var root in ClusterPlanner.Roots(state, _self).Where(r => state.StatusOf(r, _self).State is ResourceState.ISP or ResourceState.ISU))
        {
            var next = ClusterPlanner.Candidates(input, root, except: _self).FirstOrDefault(n => input.Peers[n] is { Quorum: true });
            if (next is null)
            {
                _events.Record(root, "agent", "leaving", $"The agent is stopping with '{root}' in service and no other live node with quorum can take it: it stays in service here, " +
                    "unprotected until the agent is back (nothing takes it over if this machine fails meanwhile).", rule: PlannerRule.CleanLeave);
                continue;
            }
            _events.Record(root, "agent", "releasing", $"The agent is stopping cleanly: taking '{root}' out of service here so that '{next}', next by priority, takes it over.", rule: PlannerRule.TakeOverAfterCleanStop);
            using var limit = new CancellationTokenSource(ReleaseBudget);
            try
            {
                var result = await _executor.ReleaseAsync(root, limit.Token);
                _events.Record(root, "agent", result.Succeeded ? "released" : "failed", result.Message, result.Duration, PlannerRule.TakeOverAfterCleanStop);
                await _observer.AnnounceAsync(leaving: false, limit.Token);
            }
            catch (OperationCanceledException)
            {
                _events.Record(root, "agent", "failed", $"Taking '{root}' out of service took longer than {ReleaseBudget.TotalSeconds:0} s; the agent stops with it as it is.", rule: PlannerRule.TakeOverAfterCleanStop);
            }
            catch (Exception e) { _events.Fault("release", e); }
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
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { continue; }
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
                request = await Protocol.ReadRequestAsync(stream, _key, _cluster, client.Client.LocalEndPoint, _replay, _time, TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (ProtocolException e)
            {
                _rejections.Add(remote, e);
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
            try { await stream.WriteAsync(Protocol.EncodeAnswer(reply, request, _key), cancellationToken); }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException) { }
        }
    }

    private AgentMessage Reply<T>(string type, T body) => Protocol.Create(type, _self, _cluster, body, _time);

    private async Task<AgentMessage> HandleAsync(AgentMessage request, CancellationToken cancellationToken)
    {
        switch (request.Type)
        {
            case MessageTypes.Heartbeat:
            {
                // Rule 9: a node that cannot observe any more must look dead to its peers, not healthy.
                bool observing = _observer.Observing;
                if (observing != !_refusingHeartbeats)
                {
                    _refusingHeartbeats = !observing;
                    _events.Record(null, "heartbeat", observing ? "answering" : "refusing",
                        observing ? "This node observes its peers again and answers heartbeats."
                                  : "This node has not completed a heartbeat round within the dead time: it cannot observe its peers, so it stops answering heartbeats and its peers will see it dead.",
                        rule: PlannerRule.LoopSurvivesFault);
                }
                if (!observing) throw new ProtocolException("this node cannot observe its peers; it does not answer heartbeats");
                _table.Heard(request.From, request.BodyAs<HeartbeatBody>());
                return Reply(MessageTypes.Heartbeat, _observer.OwnHeartbeat());
            }
            case MessageTypes.GetConfig:
                return Reply(MessageTypes.Config, ClusterConfig.Of(_store.Read()));
            case MessageTypes.ProposeConfig:
            {
                var proposal = request.BodyAs<ConfigProposal>();
                if (!proposal.Proposer.Equals(request.From, StringComparison.OrdinalIgnoreCase))
                    throw new ProtocolException($"a configuration change proposed by '{proposal.Proposer}' came from '{request.From}'");
                var vote = _store.Update(s => ConfigQuorum.Vote(s, proposal) is var v && v.Stored ? (s with { PendingConfig = proposal }, v) : (s, v));
                _events.Record(null, "configuration", vote.Stored ? "stored" : "refused",
                    vote.Stored ? $"Stored configuration revision {proposal.Config.Revision} proposed by '{proposal.Proposer}' until it is committed or given up."
                                : $"Refused configuration revision {proposal.Config.Revision} proposed by '{proposal.Proposer}': {vote.Reason}.",
                    rule: PlannerRule.ConfigurationNeedsQuorum);
                // Who this node's agent knows stopped cleanly: the proposer does not expect their votes (rule 1, rule 11).
                return Reply(MessageTypes.Ok, vote with { Left = _table.Snapshot.Peers.Values.Where(p => p.Leaving).Select(p => p.Name).ToList() });
            }
            case MessageTypes.SettleConfig:
            {
                var settle = request.BodyAs<ConfigSettleBody>();
                var held = _store.Update(s => s.PendingConfig is { } p && p.Id == settle.Id && p.Proposer.Equals(request.From, StringComparison.OrdinalIgnoreCase)
                    ? ((settle.Commit && s.ConfigRevision == p.BaseRevision ? ClusterService.Adopt(s, p.Config) : s) with { PendingConfig = null }, p)
                    : (s, (ConfigProposal?)null));
                if (held is not null)
                    _events.Record(null, "configuration", settle.Commit ? "updated" : "dropped",
                        settle.Commit ? $"'{held.Proposer}' committed configuration revision {held.Config.Revision}: adopted ({held.Config.Members.Count} member(s), {held.Config.Resources.Count} resource(s))."
                                      : $"'{held.Proposer}' gave up configuration revision {held.Config.Revision} (it did not reach a majority): dropped.",
                        rule: PlannerRule.ConfigurationNeedsQuorum);
                return Reply(MessageTypes.Ok, new ErrorBody(held is null ? "not held" : "settled"));
            }
            case MessageTypes.Join:
            {
                var join = request.BodyAs<JoinBody>();
                var state = _store.Read();
                var existing = state.Member(join.Name);
                if (existing is null)
                    new ClusterService(_store, _time).AddMember(join.Name, join.Role, join.Paths);
                else if (!existing.Paths.SequenceEqual(join.Paths))
                    throw new HaArgumentException($"'{join.Name}' is already a member with paths {string.Join(", ", existing.Paths)}.");
                _events.Record(null, "cluster", "joined", $"{join.Role.ToString().ToLowerInvariant()} '{join.Name}' joined through this node on {string.Join(", ", join.Paths)}.");
                return Reply(MessageTypes.Config, ClusterConfig.Of(_store.Read()));
            }
            case MessageTypes.PeerStatus:
            {
                var peer = _table.Snapshot[request.BodyAs<PeerStatusBody>().Peer];
                return Reply(MessageTypes.PeerStatus, new PeerStatusReply(peer?.Alive ?? false, peer is { EverHeard: true } ? _time.GetElapsedTime(peer.LastHeard).TotalSeconds : -1));
            }
            case MessageTypes.Status:
                return Reply(MessageTypes.Status, Status());
            case MessageTypes.Restore:
            {
                var body = request.BodyAs<OperationBody>();
                _events.Record(body.Tag, "restore", "requested", $"'{request.From}' asked this node to bring '{body.Tag}' in service" + (body.Reason is null ? "." : $": {body.Reason}."));
                var result = await _executor.RestoreAsync(body.Tag, _executor.NextGeneration(body.Tag, _table.Snapshot), cancellable: false, cancellationToken, body.Force, body.Tunables);
                return Reply(MessageTypes.Ok, ToReply(result));
            }
            case MessageTypes.Remove:
            {
                var body = request.BodyAs<OperationBody>();
                _events.Record(body.Tag, "remove", "requested", $"'{request.From}' asked this node to take '{body.Tag}' out of service" + (body.Reason is null ? "." : $": {body.Reason}."));
                return Reply(MessageTypes.Ok, ToReply(await _executor.RemoveAsync(body.Tag, cancellationToken, body.Tunables)));
            }
            case MessageTypes.TakeOver:
            {
                var body = request.BodyAs<OperationBody>();
                var verdict = _observer.Quorum;
                if (!verdict.Ok)
                {
                    _events.Record(body.Tag, "failover", "refused", $"'{request.From}' asked this node to take '{body.Tag}' over, but it has no quorum ({verdict.Reason}).", rule: PlannerRule.FenceOnQuorumLoss);
                    return Reply(MessageTypes.Ok, new OperationReply(false, "no quorum: " + verdict.Reason, 0, new()));
                }
                _events.Record(body.Tag, "failover", "requested", $"'{request.From}' hands '{body.Tag}' over: {body.Reason}.", rule: PlannerRule.HandOverAfterLocalFailure);
                var result = await _executor.RestoreAsync(body.Tag, _executor.NextGeneration(body.Tag, _table.Snapshot), cancellable: false, cancellationToken);
                _events.Record(body.Tag, "failover", result.Succeeded ? "success" : "failed", result.Message, result.Duration, PlannerRule.HandOverAfterLocalFailure);
                return Reply(MessageTypes.Ok, ToReply(result));
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

    public static OperationReply ToReply(HaOperationResult r) =>
        new(r.Succeeded, r.Message, r.Duration.TotalSeconds, r.Steps.Select(s => new StepReply(s.Tag, s.Action, s.Outcome, s.Message, s.Duration.TotalSeconds)).ToList());

    private StatusReply Status()
    {
        var state = _store.Read();
        var peers = _table.Snapshot;
        var views = state.Members.Where(m => !m.Name.Equals(_self, StringComparison.OrdinalIgnoreCase)).Select(m =>
        {
            var info = peers[m.Name];
            return new PeerView(m.Name, m.Role, info?.Alive ?? false,
                info is { EverHeard: true } ? _time.GetElapsedTime(info.LastHeard).TotalSeconds : null,
                info?.Resources.ToList() ?? new(), info?.Leaving ?? false);
        }).ToList();
        var quorum = _observer.Quorum;
        return new StatusReply(_self, quorum.Ok, views, _observer.OwnHeartbeat().Resources, state.ConfigRevision, quorum.Reason);
    }

    /// <summary>Asks the next live nodes by priority, in turn, to take a hierarchy this node cannot keep.</summary>
    private async Task HandOverAsync(PeerClient client, string root, string reason, CancellationToken cancellationToken)
    {
        var state = _store.Read();
        var input = new PlannerInput
        {
            Self = _self, State = state, Peers = _table.Snapshot, Quorum = _observer.Quorum, Settings = _observer.Settings(),
            Memory = _executor.Memory, Now = _time.GetUtcNow(),
        };
        foreach (var next in ClusterPlanner.Candidates(input, root, except: _self))
        {
            foreach (var path in state.Member(next)!.Paths)
            {
                try
                {
                    _events.Record(root, "failover", "handover", $"Asking '{next}' to take '{root}' over: {reason}", rule: PlannerRule.HandOverAfterLocalFailure);
                    var reply = (await client.RequestAsync(path, MessageTypes.TakeOver, new OperationBody(root, false, reason), TimeSpan.FromMinutes(15), cancellationToken)).BodyAs<OperationReply>();
                    _events.Record(root, "failover", reply.Succeeded ? "handed-over" : "failed", $"'{next}': {reply.Message}", TimeSpan.FromSeconds(reply.Seconds), PlannerRule.HandOverAfterLocalFailure);
                    if (reply.Succeeded) return;
                    break;
                }
                catch (PeerRequestException e) { _log($"handover to {next} over {path} failed: {e.Message}"); }
            }
        }
        _events.Record(root, "failover", "failed", $"No other node could take '{root}' over; it stays out of service.", rule: PlannerRule.HandOverAfterLocalFailure);
    }
}
