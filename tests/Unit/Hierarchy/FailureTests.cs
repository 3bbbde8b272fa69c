using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Platform;
using SiosRoute53.Route53;
using SiosRoute53.Store;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Hierarchy;

/// <summary>A service kit whose restore throws what a test says (a bug, a Route 53 error escaping a kit).</summary>
internal sealed class ThrowingServiceKit(Exception error) : IResourceKit
{
    private readonly ServiceKit _real = new();
    public ResourceKind Kind => ResourceKind.Service;
    public string Description => _real.Description;
    public string Summary(ResourceDefinition resource, string node) => _real.Summary(resource, node);
    public Task ValidateAsync(KitContext context, CancellationToken cancellationToken) => _real.ValidateAsync(context, cancellationToken);
    public Task<KitResult> RestoreAsync(KitContext context, CancellationToken cancellationToken) => throw error;
    public Task<KitResult> RemoveAsync(KitContext context, CancellationToken cancellationToken) => _real.RemoveAsync(context, cancellationToken);
    public Task<CheckResult> QuickCheckAsync(KitContext context, CancellationToken cancellationToken) => _real.QuickCheckAsync(context, cancellationToken);
    public Task<KitResult> RecoverAsync(KitContext context, CancellationToken cancellationToken) => throw error;
}

public class FailureTests
{
    private static async Task<(TestServer Server, HostedZone Zone)> ServerAsync()
    {
        var server = await TestServer.StartAsync(TimeSpan.FromMilliseconds(200));
        return (server, await server.CreateZoneAsync());
    }

    public static TheoryData<string> Escapes => new() { "bug", "route53" };

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task Any_exception_inside_a_step_rolls_back_leaves_the_resource_failed_and_records_the_event(string what)
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        Exception error = what == "bug"
            ? new InvalidOperationException("sequence contains no elements")
            : new Route53ServerErrorException("GetChange", "InternalFailure", "after the INSYNC budget", null, System.Net.HttpStatusCode.InternalServerError);
        var manager = node.ManagerWith(new ThrowingServiceKit(error));

        var result = await manager.StartAsync("web", node.Options(), default);

        Assert.False(result.Succeeded);
        Assert.Equal(ResourceState.OSF, node.StateOf("web"));
        Assert.Equal(ResourceState.OSU, node.StateOf("web-dns"));
        Assert.Equal(ResourceState.OSU, node.StateOf("web-ip"));
        var failed = Assert.Single(node.Store.ReadEvents(), e => e.Tag == "web" && e.Action == EventActions.Restore && e.Outcome == EventOutcomes.Failed);
        Assert.Contains(what == "bug" ? "bug in SiosRoute53" : "after the INSYNC budget", failed.Message);
        Assert.Contains(node.Store.ReadEvents(), e => e.Tag == "web-dns" && e.Action == EventActions.Rollback && e.Outcome == EventOutcomes.Success);
        Assert.All(node.Store.Read().States, s => Assert.Null(s.BusyPid));
    }

    [Fact]
    public async Task A_start_of_three_resources_writes_the_state_once_per_transition_plus_the_lease()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        long before = node.Store.Read().Revision;

        Assert.True((await node.Manager.StartAsync("web", node.Options(), default)).Succeeded);

        Assert.Equal(before + 4, node.Store.Read().Revision);
    }

    [Fact]
    public async Task A_dependency_cycle_in_a_hand_edited_state_is_a_clear_error_not_a_crash()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        node.Store.Update(s => s with { Dependencies = s.Dependencies.Append(new Dependency("web-ip", "web")).ToList() });

        var e = await Assert.ThrowsAsync<DefinitionException>(() => node.Manager.StartAsync("web", node.Options(), default));

        Assert.Contains("cycle", e.Message);
        Assert.Contains("web-ip", e.Message);
        Assert.Contains("Remove-HaDependency", e.Message);
        Assert.All(node.Store.Read().States, s => Assert.Null(s.BusyPid));
    }

    [Fact]
    public async Task A_stale_lease_of_a_process_that_no_longer_runs_is_cleared_even_when_its_id_was_reused()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        // Process 1 runs, but started at another time than the lease says: the id was reused.
        node.Store.Update(s => s.WithStatus(s.StatusOf("web", "node1") with { BusyPid = 1, BusyStart = 42, BusyAction = "restore", BusySince = DateTimeOffset.UtcNow }));

        var result = await node.Manager.StartAsync("web", node.Options(), default);

        Assert.True(result.Succeeded, result.Message);
        Assert.Contains(node.Store.ReadEvents(), e => e.Tag == "web" && e.Action == EventActions.Lease && e.Outcome == EventOutcomes.Cleared);
    }

    [Fact]
    public async Task A_lease_of_a_live_process_keeps_others_out()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        long start = ProcessIdentity.StartTimeOf(1)!.Value;
        node.Store.Update(s => s.WithStatus(s.StatusOf("web", "node1") with { BusyPid = 1, BusyStart = start, BusyAction = "restore", BusySince = DateTimeOffset.UtcNow }));

        var e = await Assert.ThrowsAsync<ResourceBusyException>(() => node.Manager.StartAsync("web", node.Options(), default));
        Assert.Contains("process 1", e.Message);
        Assert.All(new[] { "web", "web-dns", "web-ip" }, t => Assert.Equal(ResourceState.OSU, node.StateOf(t)));
    }

    [Fact]
    public async Task A_failed_resource_fails_every_check_until_it_is_started_or_cleared()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        node.Commands.ExitCodes["start web"] = 1;
        Assert.False((await node.Manager.StartAsync("web", node.Options(), default)).Succeeded);

        for (int i = 0; i < 2; i++)
        {
            var check = Assert.Single(await node.Manager.CheckAsync(null, recover: true, node.Options(), default), r => r.Tag == "web");
            Assert.True(check.NeedsAttention);
            Assert.Contains("OSF", check.Message);
        }

        await node.Manager.StopHierarchyAsync("web", node.Options(), default);
        Assert.DoesNotContain(await node.Manager.CheckAsync(null, recover: true, node.Options(), default), r => r.NeedsAttention);
    }

    [Fact]
    public async Task A_record_left_pointing_here_by_a_failed_start_fails_the_check()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        Assert.True((await node.Manager.StartAsync("web", node.Options(), default)).Succeeded);
        // As a start killed after the record moved leaves it: the record and mark here, the resources out of service.
        node.Store.Update(s => s with { States = s.States.Select(x => x with { State = ResourceState.OSU, BusyPid = null }).ToList() });

        var check = Assert.Single(await node.Manager.CheckAsync(null, recover: true, node.Options(), default));

        Assert.Equal("web-dns", check.Tag);
        Assert.True(check.NeedsAttention);
        Assert.Contains("points here but the hierarchy is not in service", check.Message);
        Assert.Equal(ResourceState.OSU, node.StateOf("web-dns"));
    }

    [Fact]
    public async Task A_failed_recovery_under_a_parent_still_in_service_fails_the_next_check()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        Assert.True((await node.Manager.StartAsync("web", node.Options(), default)).Succeeded);
        node.Store.Update(s => s.WithStatus(s.StatusOf("web-dns", "node1") with { State = ResourceState.OSF, Reason = "recovery failed: Route 53 refused the change" }));

        var results = await node.Manager.CheckAsync(null, recover: true, node.Options(), default);

        Assert.Contains(results, r => r.Tag == "web-dns" && r.NeedsAttention);
        Assert.Equal(ResourceState.ISP, node.StateOf("web"));
    }

    [Fact]
    public async Task Wrong_credentials_are_a_configuration_failure_that_alerts_but_never_recovers()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        Assert.True((await node.Manager.StartAsync("web", node.Options(), default)).Succeeded);
        var rotated = new ResourceManager(node.Store, node.Environment with { Route53 = (_, _, _) => server.Client(secret: "rotated/secret/key/ThatNoLongerMatches000") },
            () => SiosRoute53.Tunables.TunableSet.Load(node.TunablesPath));

        var dns = Assert.Single(await rotated.CheckAsync(null, recover: true, node.Options(), default), r => r.Tag == "web-dns");

        Assert.Equal(CheckOutcome.Misconfigured, dns.Outcome);
        Assert.True(dns.NeedsAttention);
        Assert.Null(dns.Recovered);
        Assert.Equal(ResourceState.ISU, node.StateOf("web-dns"));
        Assert.DoesNotContain(node.Store.ReadEvents(), e => e.Action == EventActions.Recover);
    }

    [Fact]
    public async Task A_check_does_not_overlap_one_still_running()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        using var running = SecureFiles.TryLock(Path.Combine(node.Store.Directory, "check.lock"));
        Assert.NotNull(running);

        var e = await Assert.ThrowsAsync<ResourceBusyException>(() => node.Manager.CheckAsync(null, recover: true, node.Options(), default));
        Assert.Contains("still running", e.Message);
    }

    [Fact]
    public async Task A_check_says_what_it_repaired()
    {
        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        await node.CreateSeedHierarchyAsync(zone);
        Assert.True((await node.Manager.StartAsync("web", node.Options(), default)).Succeeded);
        using (var client = server.Client())
            await client.ChangeResourceRecordSetsAsync(zone.Id, new[] { new Change(ChangeAction.UPSERT, new ResourceRecordSet("app.corp.example.", "A", 10, new[] { "10.0.9.9" })) });

        var dns = Assert.Single(await node.Manager.CheckAsync(null, recover: true, node.Options(), default), r => r.Tag == "web-dns");

        Assert.True(dns.Recovered);
        Assert.Contains("10.0.1.10", dns.Repair);
        Assert.Contains("Repaired:", dns.Message);
    }

    [Fact]
    public async Task Service_commands_run_without_our_credentials_and_their_output_is_stored_redacted()
    {
        var environment = new Dictionary<string, string?> { ["AWS_SECRET_ACCESS_KEY"] = "s", ["AWS_PROFILE"] = "p", ["PATH"] = "/bin" };
        ShellCommandRunner.WithoutOurCredentials(environment);
        Assert.Equal(new[] { "PATH" }, environment.Keys);

        var (server, zone) = await ServerAsync();
        await using var _ = server;
        using var node = new NodeLab(server, "node1");
        var manager = new ResourceManager(node.Store, node.Environment with { Commands = new ShellCommandRunner() }, () => SiosRoute53.Tunables.TunableSet.Load(node.TunablesPath));
        await manager.CreateAsync(ServiceSettings.Commands("echo AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY; echo token wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY; exit 1", "true", "true").Define("leaky"),
            Array.Empty<string>(), default);

        var result = await manager.StartAsync("leaky", node.Options(), default);

        Assert.False(result.Succeeded);
        Assert.Contains("[redacted]", result.Message);
        Assert.DoesNotContain(node.Store.ReadEvents(), e => e.Message.Contains("wJalrXUtnFEMI"));
        Assert.DoesNotContain("wJalrXUtnFEMI", node.Store.Read().StatusOf("leaky", "node1").Reason);
    }
}
