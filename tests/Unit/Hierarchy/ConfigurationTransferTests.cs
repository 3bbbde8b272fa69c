using SiosRoute53.Hierarchy;
using SiosRoute53.Model;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Hierarchy;

/// <summary>Export-HaConfiguration and Import-HaConfiguration: a backup restores, a clone is created, a conflict changes nothing.</summary>
public class ConfigurationTransferTests
{
    private static async Task<(TestServer Server, NodeLab Node, SiosRoute53.Route53.HostedZone Zone)> LabAsync()
    {
        var server = await TestServer.StartAsync(TimeSpan.Zero);
        var zone = await server.CreateZoneAsync();
        var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        return (server, node, zone);
    }

    [Fact]
    public async Task An_export_imported_on_an_empty_node_recreates_the_hierarchy_out_of_service()
    {
        var (server, node, _) = await LabAsync();
        await using var _s = server;
        using var _n = node;
        string json = node.Manager.Export(null, out var leftOut).ToJson();
        Assert.Empty(leftOut);

        using var rebuilt = new NodeLab(server, "node1");
        var created = await rebuilt.Manager.ImportAsync(ConfigurationDocument.FromJson(json, "backup.json"), null, apply: true, default);

        Assert.Equal(new[] { "web-ip", "web-dns", "web" }, created.Select(r => r.Tag).ToArray());
        Assert.All(created, r => Assert.Equal(ResourceState.OSU, r.State));
        var original = node.Store.Read();
        var copy = rebuilt.Store.Read();
        Assert.Equal(original.Dependencies, copy.Dependencies);
        foreach (var r in original.Resources)
        {
            var c = copy.Find(r.Tag)!;
            Assert.Equal(r.Settings, c.Settings);
            Assert.Equal(r.Nodes["node1"].Settings, c.Nodes["node1"].Settings);
        }
        Assert.Single(rebuilt.Store.ReadEvents(), e => e.Action == EventActions.Import);
        Assert.True((await rebuilt.Manager.StartAsync("web", rebuilt.Options(), default)).Succeeded);
    }

    [Fact]
    public async Task An_import_that_conflicts_is_refused_whole_naming_every_conflict_and_changes_nothing()
    {
        var (server, node, _) = await LabAsync();
        await using var _s = server;
        using var _n = node;
        var document = node.Manager.Export(new[] { "web-dns" }, out _);
        long revision = node.Store.Read().Revision;

        var e = await Assert.ThrowsAsync<HaArgumentException>(() => node.Manager.ImportAsync(document, null, apply: true, default));

        Assert.StartsWith("Nothing was imported: ", e.Message);
        Assert.Contains("tag 'web' already exists here (Service)", e.Message);
        Assert.Contains("tag 'web-ip' already exists here (Ip)", e.Message);
        Assert.Equal(revision, node.Store.Read().Revision);

        var sameRecord = ConfigurationDocument.FromJson(document.ToJson().Replace("\"web", "\"copy"), "copy");
        var claimed = await Assert.ThrowsAsync<HaArgumentException>(() => node.Manager.ImportAsync(sameRecord, null, apply: true, default));
        Assert.Contains("Record app.corp.example. in hosted zone corp.example.", claimed.Message);
        Assert.Contains("is already managed by route53 resource 'web-dns'", claimed.Message);
        Assert.DoesNotContain("already exists", claimed.Message);
        Assert.Equal(revision, node.Store.Read().Revision);
    }

    [Fact]
    public async Task A_clone_with_new_tags_and_record_is_checked_without_apply_then_created()
    {
        var (server, node, zone) = await LabAsync();
        await using var _s = server;
        using var _n = node;
        string json = node.Manager.Export(new[] { "web-ip" }, out _).ToJson()
            .Replace("\"web", "\"web2").Replace("app.corp.example.", "app2.corp.example.");
        var clone = ConfigurationDocument.FromJson(json, "clone");
        long revision = node.Store.Read().Revision;

        var planned = await node.Manager.ImportAsync(clone, null, apply: false, default);
        Assert.Equal(new[] { "web2-ip", "web2-dns", "web2" }, planned.Select(r => r.Tag).ToArray());
        Assert.Equal(revision, node.Store.Read().Revision);

        await node.Manager.ImportAsync(clone, null, apply: true, default);
        Assert.Equal(new[] { "web2-dns" }, node.Store.Read().ChildrenOf("web2").ToArray());
        Assert.Equal($"app2.corp.example. A in corp.example. ({zone.ShortId})", node.Manager.List(new[] { "web2-dns" })[0].Detail);
    }

    [Fact]
    public async Task A_node_that_is_not_this_one_or_a_member_is_refused()
    {
        var (server, node, _) = await LabAsync();
        await using var _s = server;
        using var _n = node;
        string json = node.Manager.Export(null, out _).ToJson();
        using var other = new NodeLab(server, "node9");
        var e = await Assert.ThrowsAsync<HaArgumentException>(() => other.Manager.ImportAsync(ConfigurationDocument.FromJson(json, "x"), null, apply: true, default));
        Assert.Contains("'web-ip' is defined on node 'node1', but this node is 'node9' and not in a cluster: rename the node in the file", e.Message);
        Assert.Empty(other.Store.Read().Resources);
    }

    [Fact]
    public async Task Only_known_settings_are_exported_so_a_credential_never_leaves_the_node()
    {
        var (server, node, _) = await LabAsync();
        await using var _s = server;
        using var _n = node;
        node.Store.Update(s => s with
        {
            Resources = s.Resources.Select(r => r.Tag == "web-dns" ? r with { Settings = new(r.Settings) { ["SecretAccessKey"] = "wJalrXUtnFEMI/K7MDENG" } } : r).ToList(),
        });
        string json = node.Manager.Export(null, out var leftOut).ToJson();
        Assert.Equal(new[] { "web-dns: SecretAccessKey" }, leftOut);
        Assert.DoesNotContain("wJalrXUtnFEMI", json);
        Assert.DoesNotContain(ConfigurationTransfer.KnownSettings, k => k.Contains("Secret") || k.Contains("Password") || k.Contains("Token") || k.EndsWith("Key"));
    }

    [Theory]
    [InlineData("{", "is not a SiosRoute53 configuration (JSON error")]
    [InlineData("{\"format\":\"other\"}", "its \"format\" is not \"SiosRoute53.Configuration\"")]
    [InlineData("{\"format\":\"SiosRoute53.Configuration\",\"version\":9}", "has version 9, written by a newer SiosRoute53")]
    [InlineData("{\"format\":\"SiosRoute53.Configuration\",\"resources\":[null]}", "missing field")]
    public void A_file_that_is_not_an_export_is_refused_naming_it(string json, string expected)
    {
        var e = Assert.Throws<HaArgumentException>(() => ConfigurationDocument.FromJson(json, "/root/x.json"));
        Assert.Contains("'/root/x.json'", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
