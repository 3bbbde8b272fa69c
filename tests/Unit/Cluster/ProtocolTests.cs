using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using SiosRoute53.Cluster;

namespace SiosRoute53.Tests.Unit.Cluster;

public class ProtocolTests
{
    private static readonly FakeTimeProvider Time = new(DateTimeOffset.UtcNow);
    private static readonly IPEndPoint Node1 = IPEndPoint.Parse("10.53.0.11:7353");
    private static readonly IPEndPoint Node2 = IPEndPoint.Parse("10.53.0.12:7353");
    private static readonly IPEndPoint Witness = IPEndPoint.Parse("10.53.0.13:7353");

    /// <summary>What the agent listening on <paramref name="at"/> makes of a frame.</summary>
    private static async Task<AgentMessage> ReceiveAsync(byte[] frame, ClusterKey key, EndPoint at, ReplayGuard? replay = null, string cluster = "lab") =>
        await Protocol.ReadRequestAsync(new MemoryStream(frame), key, cluster, at, replay ?? new ReplayGuard(Time), Time, TimeSpan.FromSeconds(2), default);

    private static async Task<ProtocolException> RefusedAsync(byte[] frame, ClusterKey key, EndPoint at, ReplayGuard? replay = null, string cluster = "lab") =>
        await Assert.ThrowsAsync<ProtocolException>(() => ReceiveAsync(frame, key, at, replay, cluster));

    private static AgentMessage Heartbeat(string from, EndPoint to, long revision = 7) =>
        Protocol.Request("heartbeat", from, "lab", Protocol.EndpointText(to), new HeartbeatBody(from, revision, from, new(), true), Time);

    [Fact]
    public async Task A_request_round_trips_to_the_endpoint_it_was_sent_to_and_its_answer_to_the_sender()
    {
        var key = ClusterKey.Generate();
        var request = Heartbeat("node1", Node2);
        var received = await ReceiveAsync(Protocol.Encode(request, key), key, Node2);
        Assert.Equal(Protocol.Version, received.Version);
        Assert.Equal(7, received.BodyAs<HeartbeatBody>().ConfigRevision);

        var answer = Protocol.Create("heartbeat", "node2", "lab", new HeartbeatBody("node2", 7, "node1", new(), true), Time);
        var frame = Protocol.EncodeAnswer(answer, received, key);
        var read = await Protocol.ReadAnswerAsync(new MemoryStream(frame), key, "lab", request, Time, TimeSpan.FromSeconds(2), default);
        Assert.Equal("node2", read.From);
    }

    [Fact]
    public async Task A_frame_captured_on_its_way_to_one_member_is_refused_by_every_other_member()
    {
        var key = ClusterKey.Generate();
        var restore = Protocol.Request("restore", "node2", "lab", Protocol.EndpointText(Node2), new OperationBody("web", false, "switchover to 'node2'"), Time);
        var captured = Protocol.Encode(restore, key);
        foreach (var other in new[] { Node1, Witness, IPEndPoint.Parse("10.53.0.12:7354") })
        {
            var refused = await RefusedAsync(captured, key, other);
            Assert.Equal(RejectionReason.WrongDestination, refused.Reason);
            Assert.Contains("not to this endpoint", refused.Message);
        }
        // The member it was addressed to takes it, once.
        Assert.Equal("restore", (await ReceiveAsync(captured, key, Node2)).Type);
    }

    [Fact]
    public async Task A_frame_replayed_to_the_member_it_was_sent_to_is_refused()
    {
        var key = ClusterKey.Generate();
        var replay = new ReplayGuard(Time);
        var frame = Protocol.Encode(Protocol.Request("restore", "witness", "lab", Protocol.EndpointText(Node1), new OperationBody("web", false, null), Time), key);
        await ReceiveAsync(frame, key, Node1, replay);
        Time.Advance(TimeSpan.FromSeconds(50));
        var refused = await RefusedAsync(frame, key, Node1, replay);
        Assert.Equal(RejectionReason.Replay, refused.Reason);
        // Past the replay window the clock check refuses it.
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(RejectionReason.Stale, (await RefusedAsync(frame, key, Node1, replay)).Reason);
    }

    [Fact]
    public async Task The_heartbeats_of_a_dead_node_replayed_to_the_others_are_all_refused()
    {
        var key = ClusterKey.Generate();
        var atNode2 = new ReplayGuard(Time);
        var atWitness = new ReplayGuard(Time);
        // node1's last seconds on the wire: its heartbeats to node2 and the witness, and its answers to theirs.
        var captured = new List<byte[]>();
        for (int i = 0; i < 5; i++)
        {
            var toNode2 = Heartbeat("node1", Node2);
            var toWitness = Heartbeat("node1", Witness);
            captured.Add(Protocol.Encode(toNode2, key));
            captured.Add(Protocol.Encode(toWitness, key));
            await ReceiveAsync(captured[^2], key, Node2, atNode2);
            await ReceiveAsync(captured[^1], key, Witness, atWitness);
            var fromNode2 = Heartbeat("node2", Node1);
            captured.Add(Protocol.EncodeAnswer(Protocol.Create("heartbeat", "node1", "lab", new HeartbeatBody("node1", 7, "node1", new(), true), Time), fromNode2, key));
            Time.Advance(TimeSpan.FromSeconds(1));
        }
        // node1 is killed; every captured frame is played to both survivors, several times.
        var reasons = new List<RejectionReason>();
        for (int round = 0; round < 3; round++)
            foreach (var frame in captured)
            {
                reasons.Add((await RefusedAsync(frame, key, Node2, atNode2)).Reason);
                reasons.Add((await RefusedAsync(frame, key, Witness, atWitness)).Reason);
            }
        Assert.Equal(captured.Count * 6, reasons.Count);
        Assert.Contains(RejectionReason.Replay, reasons);
        Assert.Contains(RejectionReason.WrongDestination, reasons);
        Assert.Contains(RejectionReason.NotARequest, reasons);
    }

    [Fact]
    public async Task An_answer_is_taken_only_by_the_request_it_answers()
    {
        var key = ClusterKey.Generate();
        var mine = Heartbeat("node1", Node2);
        var someoneElses = Heartbeat("witness", Node2);
        var answer = Protocol.EncodeAnswer(Protocol.Create("status", "node2", "lab", new { }, Time), someoneElses, key);
        var refused = await Assert.ThrowsAsync<ProtocolException>(() =>
            Protocol.ReadAnswerAsync(new MemoryStream(answer), key, "lab", mine, Time, TimeSpan.FromSeconds(2), default));
        Assert.Equal(RejectionReason.NotTheAnswer, refused.Reason);
    }

    [Fact]
    public async Task A_frame_sent_by_a_real_client_is_taken_where_it_was_sent_and_refused_at_another_address()
    {
        var key = ClusterKey.Generate();
        var first = new TcpListener(IPAddress.Loopback, 0);
        var second = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        first.Start();
        second.Start();
        try
        {
            var path = $"127.0.0.1:{((IPEndPoint)first.LocalEndpoint).Port}";
            var client = new PeerClient(key, "lab", "node1", Time);
            var asking = client.RequestAsync(path, "status", new { }, TimeSpan.FromSeconds(10), default);
            using var served = await first.AcceptTcpClientAsync();
            var stream = served.GetStream();
            var header = new byte[4];
            await stream.ReadExactlyAsync(header);
            var rest = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
            await stream.ReadExactlyAsync(rest);
            byte[] captured = [.. header, .. rest];

            var request = await ReceiveAsync(captured, key, served.Client.LocalEndPoint!);
            await stream.WriteAsync(Protocol.EncodeAnswer(Protocol.Create("status", "node2", "lab", new { }, Time), request, key));
            Assert.Equal("node2", (await asking).From);

            // The same bytes, delivered to another member's address.
            var port = ((IPEndPoint)second.LocalEndpoint).Port;
            using var attacker = new TcpClient();
            await attacker.ConnectAsync(IPAddress.Parse("127.0.0.2"), port);
            await attacker.GetStream().WriteAsync(captured);
            using var victim = await second.AcceptTcpClientAsync();
            var refused = await Assert.ThrowsAsync<ProtocolException>(() => Protocol.ReadRequestAsync(victim.GetStream(), key, "lab",
                victim.Client.LocalEndPoint, new ReplayGuard(Time), Time, TimeSpan.FromSeconds(5), default));
            Assert.Equal(RejectionReason.WrongDestination, refused.Reason);
        }
        finally
        {
            first.Stop();
            second.Stop();
        }
    }

    [Fact]
    public async Task A_wrong_key_another_version_another_cluster_and_a_stale_message_are_refused()
    {
        var key = ClusterKey.Generate();
        var message = Heartbeat("node1", Node2);
        var wrong = await RefusedAsync(Protocol.Encode(message, ClusterKey.Generate()), key, Node2);
        Assert.Equal(RejectionReason.WrongKey, wrong.Reason);
        Assert.Contains("does not verify", wrong.Message);

        var newer = await RefusedAsync(Protocol.Encode(message with { Version = 3 }, key), key, Node2);
        Assert.Equal(RejectionReason.WrongVersion, newer.Reason);
        Assert.Contains("version 3", newer.Message);

        // A frame of the first protocol has no version, destination or request field.
        byte[] first = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            new { type = "heartbeat", from = "node1", cluster = "lab", timeMs = message.TimeMs, nonce = "AAAAAAAAAAAAAAAAAAAAAA==", body = new { } });
        byte[] frame = [0, 0, 0, 0, .. key.Mac(first), .. first];
        BinaryPrimitives.WriteInt32BigEndian(frame, 32 + first.Length);
        var older = await RefusedAsync(frame, key, Node2);
        Assert.Equal(RejectionReason.WrongVersion, older.Reason);
        Assert.Contains("version 1; this node speaks 2", older.Message);

        var other = Protocol.Encode(message with { Cluster = "prod" }, key);
        Assert.Contains("cluster 'prod'", (await RefusedAsync(other, key, Node2)).Message);

        var old = Protocol.Encode(message with { TimeMs = Time.GetUtcNow().AddMinutes(-5).ToUnixTimeMilliseconds() }, key);
        Assert.Contains("from this node's clock", (await RefusedAsync(old, key, Node2)).Message);

        var unaddressed = Protocol.Encode(Protocol.Create("status", "node1", "lab", new { }, Time), key);
        Assert.Equal(RejectionReason.WrongDestination, (await RefusedAsync(unaddressed, key, Node2)).Reason);
    }

    [Fact]
    public async Task Garbage_oversized_and_truncated_frames_are_refused()
    {
        var key = ClusterKey.Generate();
        var huge = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(huge, int.MaxValue);
        Assert.Contains("out of bounds", (await RefusedAsync(huge, key, Node1)).Message);

        var frame = Protocol.Encode(Heartbeat("node2", Node1), key);
        Assert.Contains("closed in the middle", (await RefusedAsync(frame[..20], key, Node1)).Message);

        var notJson = new byte[4 + 32 + 5];
        BinaryPrimitives.WriteInt32BigEndian(notJson, 37);
        "hello"u8.ToArray().CopyTo(notJson, 36);
        key.Mac("hello"u8).CopyTo(notJson, 4);
        Assert.Contains("not a message", (await RefusedAsync(notJson, key, Node1)).Message);
    }

    [Fact]
    public void A_wrong_key_frame_after_a_burst_of_garbage_is_recorded_on_its_own()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var history = new List<string>();
        using var rejections = new RejectionHistory(time, history.Add);
        for (int i = 0; i < 5000; i++) rejections.Add("10.53.0.20:40000", new ProtocolException("frame length 2147483647 is out of bounds", RejectionReason.Oversized));
        rejections.Add("10.53.0.66:41000", new ProtocolException("the message authentication code does not verify (wrong cluster key?)", RejectionReason.WrongKey));

        Assert.Equal(2, history.Count);
        Assert.Contains("10.53.0.66:41000", history[1]);
        Assert.Contains("does not verify", history[1]);
        // The rest of the burst is one summary when the window ends, with no further frame needed.
        time.Advance(RejectionHistory.Window);
        Assert.Equal(3, history.Count);
        Assert.Contains("Refused 4999 more frame(s)", history[2]);
        Assert.Contains("10.53.0.20 x4999", history[2]);
    }

    [Fact]
    public void A_wrong_key_frame_after_a_burst_of_wrong_key_frames_is_counted_with_its_source()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var history = new List<string>();
        var rejections = new RejectionHistory(time, history.Add);
        var wrongKey = new ProtocolException("the message authentication code does not verify (wrong cluster key?)", RejectionReason.WrongKey);
        for (int i = 0; i < 1000; i++) rejections.Add($"10.53.0.{20 + i % 30}:{40000 + i}", wrongKey);
        time.Advance(TimeSpan.FromSeconds(30));
        rejections.Add("10.53.0.66:41000", wrongKey);
        Assert.Single(history);

        // The agent stops before the window ends: nothing counted is lost.
        rejections.Dispose();
        Assert.Equal(2, history.Count);
        Assert.Contains("Refused 1000 more frame(s)", history[1]);
        Assert.Contains("with a MAC that does not verify (wrong key)", history[1]);
        Assert.Contains("10.53.0.66 x1", history[1]);
        Assert.Contains("and 20 more source(s)", history[1]);
    }

    [Fact]
    public void Each_window_records_the_first_refusal_of_each_kind_again()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var history = new List<string>();
        using var rejections = new RejectionHistory(time, history.Add);
        rejections.Add("10.53.0.20:1", new ProtocolException("a heartbeat from 'node1' was seen before (replay)", RejectionReason.Replay));
        time.Advance(RejectionHistory.Window + TimeSpan.FromSeconds(1));
        rejections.Add("10.53.0.20:2", new ProtocolException("a heartbeat from 'node1' was seen before (replay)", RejectionReason.Replay));
        Assert.Equal(2, history.Count);
        Assert.All(history, h => Assert.Contains("replay", h));
    }

    [Fact]
    public void The_key_file_is_root_only_and_a_bad_one_is_named()
    {
        string dir = Directory.CreateTempSubdirectory("siosr53-key-").FullName;
        try
        {
            string file = Path.Combine(dir, "cluster.key");
            var key = ClusterKey.Generate();
            key.Save(file, "lab");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            var (cluster, loaded) = ClusterKey.Load(file);
            Assert.Equal("lab", cluster);
            Assert.Equal(key.Fingerprint, loaded.Fingerprint);
            Assert.DoesNotContain(File.ReadAllLines(file)[1], key.ToString());

            File.WriteAllText(file, "cluster lab\nnot-base64!\n");
            Assert.Contains("not base64", Assert.Throws<SiosRoute53.Store.StoreException>(() => ClusterKey.Load(file)).Message);
            File.WriteAllText(file, "just one line\n");
            Assert.Contains("is not a cluster key file", Assert.Throws<SiosRoute53.Store.StoreException>(() => ClusterKey.Load(file)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
