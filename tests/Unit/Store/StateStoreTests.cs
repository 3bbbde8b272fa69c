using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Tests.Unit.Store;

public sealed class StateStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("siosr53-store-").FullName, "state");

    private static ResourceDefinition Ip(string tag) => new() { Tag = tag, Kind = ResourceKind.Ip };

    [Fact]
    public void Writes_atomically_with_root_only_permissions_and_keeps_the_previous_version()
    {
        var store = new StateStore(_dir);
        store.Update(s => s with { Resources = new() { Ip("a") } });
        store.Update(s => s with { Resources = s.Resources.Append(Ip("b")).ToList() });

        Assert.Equal(new[] { "a", "b" }, store.Read().Resources.Select(r => r.Tag));
        Assert.Equal(2, store.Read().Revision);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.StatePath));
        Assert.Single(new StateStore(_dir).Read().Resources, r => r.Tag == "b");
        Assert.Contains("\"a\"", File.ReadAllText(store.StatePath + ".bak"));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }

    [Fact]
    public void A_corrupt_file_is_a_clear_error_and_nothing_is_changed()
    {
        var store = new StateStore(_dir);
        store.Update(s => s with { Resources = new() { Ip("a") } });
        File.WriteAllText(store.StatePath, "{ \"schema\": 1, \"resources\": [ {");
        var e = Assert.Throws<StoreException>(() => store.Read());
        Assert.Contains(store.StatePath, e.Message);
        Assert.Contains(".bak", e.Message);
        Assert.Throws<StoreException>(() => store.Update(s => s with { Resources = new() }));
        Assert.Equal("{ \"schema\": 1, \"resources\": [ {", File.ReadAllText(store.StatePath));
    }

    [Fact]
    public void A_store_from_a_newer_version_is_refused()
    {
        var store = new StateStore(_dir);
        store.Update(s => s);
        store.Update(s => s with { Schema = 99 });
        var e = Assert.Throws<StoreException>(() => store.Read());
        Assert.Contains("schema 99", e.Message);
    }

    [Fact]
    public void Concurrent_updates_from_many_writers_lose_nothing()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => new StateStore(_dir)).ToArray();
        Parallel.For(0, 80, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            stores[i % 4].Update(s => s with { Resources = s.Resources.Append(Ip("r" + i)).ToList() }));
        var state = stores[0].Read();
        Assert.Equal(80, state.Resources.Count);
        Assert.Equal(80, state.Revision);
    }

    [Fact]
    public void Events_append_and_read_back_in_order_and_a_torn_line_is_skipped()
    {
        var store = new StateStore(_dir);
        var now = DateTimeOffset.UtcNow;
        store.Append(new HaEvent { Time = now, Node = "n1", Tag = "a", Action = "restore", Outcome = "success", Message = "one", Duration = TimeSpan.FromSeconds(2) });
        File.AppendAllText(store.EventsPath, "{\"time\":\"2026-");
        File.AppendAllText(store.EventsPath, "\n");
        store.Append(new HaEvent { Time = now, Node = "n1", Tag = "a", Action = "remove", Outcome = "success", Message = "two" });
        var events = store.ReadEvents();
        Assert.Equal(new[] { "one", "two" }, events.Select(e => e.Message));
        Assert.Equal(TimeSpan.FromSeconds(2), events[0].Duration);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.EventsPath));
    }

    [Fact]
    public void A_change_that_throws_writes_nothing()
    {
        var store = new StateStore(_dir);
        store.Update(s => s with { Resources = new() { Ip("a") } });
        Assert.Throws<InvalidOperationException>(() => store.Update<int>(_ => throw new InvalidOperationException("no")));
        Assert.Equal(1, store.Read().Revision);
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dir)!, true);
}
