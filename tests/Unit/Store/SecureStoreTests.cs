using System.Diagnostics;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Tests.Unit.Store;

/// <summary>The store against another local user: links, foreign or shared directories, planted files, hand edits.</summary>
public sealed class SecureStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("siosr53-secure-").FullName;

    private string Dir => Path.Combine(_root, "state");

    private static ResourceDefinition Ip(string tag) => new() { Tag = tag, Kind = ResourceKind.Ip };

    [Fact]
    public void A_state_file_that_is_a_link_is_refused_and_its_target_is_left_alone()
    {
        var store = new StateStore(Dir);
        store.Update(s => s with { Resources = new() { Ip("a") } });
        string victim = Path.Combine(_root, "victim");
        File.WriteAllText(victim, "precious");
        File.Delete(store.StatePath);
        File.CreateSymbolicLink(store.StatePath, victim);

        var e = Assert.Throws<StoreException>(() => store.Update(s => s with { Resources = new() { Ip("b") } }));

        Assert.Contains("symbolic link", e.Message);
        Assert.Equal("precious", File.ReadAllText(victim));
    }

    [Fact]
    public void A_state_directory_that_is_a_link_is_refused()
    {
        string real = Path.Combine(_root, "real");
        Directory.CreateDirectory(real);
        Directory.CreateSymbolicLink(Dir, real);

        var e = Assert.Throws<StoreException>(() => new StateStore(Dir).Update(s => s with { Resources = new() { Ip("a") } }));
        Assert.Contains("symbolic link", e.Message);
        Assert.Empty(Directory.GetFiles(real));
    }

    [Fact]
    public void A_state_directory_writable_by_others_is_refused()
    {
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_111_111);

        var e = Assert.Throws<StoreException>(() => new StateStore(Dir).Update(s => s with { Resources = new() { Ip("a") } }));
        Assert.Contains("writable by other users", e.Message);
    }

    [Fact]
    public void A_state_directory_owned_by_another_user_is_refused_before_anything_is_read_from_it()
    {
        if (SecureFiles.EffectiveUid != 0) return; // giving the directory away needs root; the tests run as root
        var store = new StateStore(Dir);
        store.Update(s => s with { Resources = new() { Ip("a") } });
        Process.Start("chown", new[] { "-R", "nobody", Dir })!.WaitForExit();

        var e = Assert.Throws<StoreException>(() => store.Read());
        Assert.Contains("owned by uid", e.Message);
    }

    [Fact]
    public void A_planted_temporary_file_link_is_never_written_through()
    {
        var store = new StateStore(Dir);
        store.Update(s => s with { Resources = new() { Ip("a") } });
        string victim = Path.Combine(_root, "victim");
        File.WriteAllText(victim, "precious");
        // The old predictable temporary name: a link there must not be followed (names are now random and created exclusively).
        File.CreateSymbolicLink(store.StatePath + ".tmp-" + Environment.ProcessId, victim);
        File.CreateSymbolicLink(store.StatePath + ".bak.tmp", victim);

        store.Update(s => s with { Resources = new() { Ip("b") } });

        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Equal("b", Assert.Single(store.Read().Resources).Tag);
    }

    [Fact]
    public void A_null_list_in_a_hand_edited_state_is_an_error_naming_the_file_and_the_field()
    {
        var store = new StateStore(Dir);
        store.Update(s => s with { Resources = new() { Ip("a") } });
        File.WriteAllText(store.StatePath, File.ReadAllText(store.StatePath).Replace("\"resources\": [", "\"resources\": null, \"x\": ["));

        var e = Assert.Throws<StoreException>(() => store.Read());
        Assert.Contains(store.StatePath, e.Message);
        Assert.Contains("resources", e.Message);
    }

    [Fact]
    public void Stored_events_are_redacted()
    {
        var store = new StateStore(Dir);
        new SiosRoute53.Store.EventLog(store, () => "node1", TimeProvider.System).Record("t", EventActions.Restore, EventOutcomes.Failed,
            "exited 1: AWS_SECRET_ACCESS_KEY=abc123 | password: hunter2 | wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

        var message = Assert.Single(store.ReadEvents()).Message;
        Assert.DoesNotContain("abc123", message);
        Assert.DoesNotContain("hunter2", message);
        Assert.DoesNotContain("wJalrXUtnFEMI", message);
        Assert.Contains("exited 1", message);
    }

    [Fact]
    public async Task The_run_directory_is_not_used_when_others_can_write_it_and_its_slot_file_is_never_a_link()
    {
        string shared = Path.Combine(_root, "run-shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111);
        await new SiosRoute53.Route53.RequestBudget(100, Path.Combine(shared, "budget")).AcquireAsync(default);
        Assert.Empty(Directory.GetFileSystemEntries(shared));

        string run = Path.Combine(_root, "run");
        Directory.CreateDirectory(run);
        string victim = Path.Combine(_root, "victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(Path.Combine(run, "budget"), victim);
        await new SiosRoute53.Route53.RequestBudget(100, Path.Combine(run, "budget")).AcquireAsync(default);
        Assert.Equal("precious", File.ReadAllText(victim));
    }

    public void Dispose() => Directory.Delete(_root, true);
}
