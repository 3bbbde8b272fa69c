using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using SiosRoute53.Cluster;

namespace SiosRoute53.Tests.Unit.Cluster;

public class ProtocolTests
{
    private static readonly FakeTimeProvider Time = new(DateTimeOffset.UtcNow);

    private static async Task<AgentMessage> ReadAsync(byte[] frame, ClusterKey key, ReplayGuard? replay = null, string cluster = "lab") =>
        await Protocol.ReadAsync(new MemoryStream(frame), key, cluster, replay ?? new ReplayGuard(Time), Time, TimeSpan.FromSeconds(2), default);

    [Fact]
    public async Task A_frame_round_trips_with_the_right_key()
    {
        var key = ClusterKey.Generate();
        var sent = Protocol.Create("heartbeat", "node1", "lab", new HeartbeatBody("node1", 7, "node1", new(), true), Time);
        var received = await ReadAsync(Protocol.Encode(sent, key), key);
        Assert.Equal("heartbeat", received.Type);
        Assert.Equal(7, received.BodyAs<HeartbeatBody>().ConfigRevision);
    }

    [Fact]
    public async Task A_wrong_key_a_replay_another_cluster_and_a_stale_message_are_refused()
    {
        var key = ClusterKey.Generate();
        var message = Protocol.Create("status", "node1", "lab", new { }, Time);
        var wrong = await Assert.ThrowsAsync<ProtocolException>(() => ReadAsync(Protocol.Encode(message, ClusterKey.Generate()), key));
        Assert.Contains("does not verify", wrong.Message);

        var replay = new ReplayGuard(Time);
        var frame = Protocol.Encode(message, key);
        await ReadAsync(frame, key, replay);
        Assert.Contains("replay", (await Assert.ThrowsAsync<ProtocolException>(() => ReadAsync(frame, key, replay))).Message);

        var other = Protocol.Encode(Protocol.Create("status", "node1", "prod", new { }, Time), key);
        Assert.Contains("cluster 'prod'", (await Assert.ThrowsAsync<ProtocolException>(() => ReadAsync(other, key))).Message);

        var old = Protocol.Encode(Protocol.Create("status", "node1", "lab", new { }, new FakeTimeProvider(Time.GetUtcNow().AddMinutes(-5))), key);
        Assert.Contains("from this node's clock", (await Assert.ThrowsAsync<ProtocolException>(() => ReadAsync(old, key))).Message);
    }

    [Fact]
    public async Task Garbage_oversized_and_truncated_frames_are_refused()
    {
        var key = ClusterKey.Generate();
        var huge = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(huge, int.MaxValue);
        Assert.Contains("out of bounds", (await Assert.ThrowsAsync<ProtocolException>(() => ReadAsync(huge, key))).Message);

        var frame = Protocol.Encode(Protocol.Create("status", "node1", "lab", new { }, Time), key);
        Assert.Contains("closed in the middle", (await Assert.ThrowsAsync<ProtocolException>(() => ReadAsync(frame[..20], key))).Message);

        var notJson = new byte[4 + 32 + 5];
        BinaryPrimitives.WriteInt32BigEndian(notJson, 37);
        "hello"u8.ToArray().CopyTo(notJson, 36);
        key.Mac("hello"u8).CopyTo(notJson, 4);
        Assert.Contains("not a message", (await Assert.ThrowsAsync<ProtocolException>(() => ReadAsync(notJson, key))).Message);
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
