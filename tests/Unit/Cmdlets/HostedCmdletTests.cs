using System.Management.Automation;
using System.Management.Automation.Runspaces;
using SiosRoute53.Cmdlets.Resources;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Tests.Unit.Cmdlets;

/// <summary>
/// The cmdlets hosted in-process with Microsoft.PowerShell.SDK: binding, the async base's output, errors and
/// progress on the pipeline thread, stable error ids, and Stop() (Ctrl+C) ending a command.
/// </summary>
public sealed class HostedCmdletTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("siosr53-hosted-").FullName;

    private PowerShell Shell()
    {
        var state = InitialSessionState.CreateDefault2();
        foreach (var type in new[] { typeof(GetHaResourceCommand), typeof(StartHaResourceCommand), typeof(TestHaResourceCommand),
                     typeof(NewHaServiceResourceCommand), typeof(GetHaTunableCommand), typeof(GetHaEventCommand) })
        {
            var attribute = (CmdletAttribute)Attribute.GetCustomAttribute(type, typeof(CmdletAttribute))!;
            state.Commands.Add(new SessionStateCmdletEntry($"{attribute.VerbName}-{attribute.NounName}", type, null));
        }
        var shell = PowerShell.Create(state);
        shell.AddScript($"$PSDefaultParameterValues['*-Ha*:StateDirectory'] = '{_dir}'; $PSDefaultParameterValues['*-Ha*:TunablesPath'] = '{Path.Combine(_dir, "none")}'").Invoke();
        shell.Commands.Clear();
        return shell;
    }

    [Fact]
    public void Objects_come_out_typed_and_bound_from_the_pipeline()
    {
        using var shell = Shell();
        shell.AddScript("New-HaServiceResource -Tag svc -StartCommand true -StopCommand true -CheckCommand true | Out-Null; 'svc' | Get-HaResource");
        var results = shell.Invoke();
        Assert.False(shell.HadErrors, string.Join("; ", shell.Streams.Error));
        var resource = Assert.IsType<HaResource>(Assert.Single(results).BaseObject);
        Assert.Equal(ResourceKind.Service, resource.Kind);
        Assert.Equal(ResourceState.OSU, resource.State);
    }

    [Fact]
    public void An_unknown_tag_is_a_non_terminating_error_with_a_stable_id_and_category()
    {
        using var shell = Shell();
        shell.AddScript("Get-HaResource nosuch; 'after'");
        var results = shell.Invoke();
        Assert.Equal("after", Assert.Single(results).BaseObject);
        var error = Assert.Single(shell.Streams.Error);
        Assert.Equal("ResourceNotFound,SiosRoute53.Cmdlets.Resources.GetHaResourceCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains("'nosuch'", error.Exception.Message);
    }

    [Fact]
    public void A_start_that_fails_writes_its_result_and_a_ResourceStartFailed_error()
    {
        using var shell = Shell();
        shell.AddScript("New-HaServiceResource -Tag bad -StartCommand 'exit 7' -StopCommand true -CheckCommand true | Out-Null; Start-HaResource bad -Verbose");
        var result = Assert.IsType<HaOperationResult>(Assert.Single(shell.Invoke()).BaseObject);
        Assert.False(result.Succeeded);
        Assert.Contains("exited 7", result.Message);
        Assert.Equal("ResourceStartFailed,SiosRoute53.Cmdlets.Resources.StartHaResourceCommand", Assert.Single(shell.Streams.Error).FullyQualifiedErrorId);
        Assert.Contains(shell.Streams.Verbose, v => v.Message.Contains("bad: start: exit 7"));
        Assert.Equal(ResourceState.OSF, new StateStore(_dir).Read().StatusOf("bad", new StateStore(_dir).Read().NodeName).State);
    }

    [Fact]
    public void Quiet_health_check_is_not_true_when_the_state_directory_is_missing()
    {
        using var shell = Shell();
        shell.AddCommand("Test-HaResource").AddParameter("Quiet");
        Assert.Equal(false, Assert.Single(shell.Invoke()).BaseObject);
        Assert.Contains("nothing can be judged healthy", Assert.Single(shell.Streams.Error).Exception.Message);
    }

    [Fact]
    public void The_event_history_filters_by_every_recorded_action_failover_included()
    {
        var store = new StateStore(_dir);
        foreach (var action in new[] { EventActions.Failover, EventActions.Restore })
            store.Append(new HaEvent { Time = DateTimeOffset.UtcNow, Node = "node1", Tag = "web", Action = action, Outcome = EventOutcomes.Success, Message = action + " done" });
        using var shell = Shell();
        shell.AddCommand("Get-HaEvent").AddParameter("Action", "failover");

        var e = Assert.IsType<HaEvent>(Assert.Single(shell.Invoke()).BaseObject);
        Assert.Equal(EventActions.Failover, e.Action);
        Assert.False(shell.HadErrors);
    }

    [Fact]
    public void An_unknown_event_action_is_refused_naming_the_known_ones()
    {
        using var shell = Shell();
        shell.AddCommand("Get-HaEvent").AddParameter("Action", "failovr");
        var e = Assert.ThrowsAny<ParameterBindingException>(() => shell.Invoke());
        Assert.Contains("failover", e.Message);
    }

    [Fact]
    public void A_scheduled_check_returns_exit_code_1_for_a_failure_and_0_when_healthy()
    {
        using var shell = Shell();
        shell.AddScript("New-HaServiceResource -Tag svc -StartCommand true -StopCommand true -CheckCommand 'exit 4' | Out-Null; " +
                        "$null = Start-HaResource svc -ErrorAction SilentlyContinue; Test-HaResource -AsExitCode -ErrorAction SilentlyContinue");
        Assert.Equal(HealthExitCodes.Failed, Assert.Single(shell.Invoke()).BaseObject);

        using var healthy = Shell();
        healthy.AddScript("New-HaServiceResource -Tag ok -StartCommand true -StopCommand true -CheckCommand true | Out-Null; " +
                          "$null = Start-HaResource ok; Test-HaResource ok -AsExitCode");
        Assert.Equal(HealthExitCodes.Healthy, Assert.Single(healthy.Invoke()).BaseObject);
    }

    [Fact]
    public void Quiet_health_check_is_not_true_for_a_named_resource_that_is_stopped()
    {
        using var shell = Shell();
        shell.AddScript("New-HaServiceResource -Tag idle -StartCommand true -StopCommand true -CheckCommand true | Out-Null; Test-HaResource idle -Quiet");
        Assert.Equal(false, Assert.Single(shell.Invoke()).BaseObject);
    }

    [Fact]
    public void A_bad_tunables_file_stops_the_command_with_TunablesFileInvalid()
    {
        string file = Path.Combine(_dir, "bad");
        File.WriteAllText(file, "ROUTE53_TTL=-5\n");
        using var shell = Shell();
        shell.AddCommand("Get-HaTunable").AddParameter("TunablesPath", file);
        var e = Assert.Throws<CmdletInvocationException>(() => shell.Invoke());
        Assert.Equal("TunablesFileInvalid,SiosRoute53.Cmdlets.Resources.GetHaTunableCommand", e.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public async Task Stop_ends_a_long_command_at_once_and_leaves_a_true_state()
    {
        using var shell = Shell();
        shell.AddScript("New-HaServiceResource -Tag slow -StartCommand 'sleep 30' -StopCommand true -CheckCommand true | Out-Null; Start-HaResource slow");
        var running = shell.BeginInvoke();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (new StateStore(_dir).Read().Find("slow") is null || new StateStore(_dir).Read().States.All(s => s.BusyPid is null))
        {
            Assert.True(DateTime.UtcNow < deadline, "the start did not begin");
            await Task.Delay(50);
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        shell.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"Stop took {watch.Elapsed}");
        Assert.ThrowsAny<Exception>(() => shell.EndInvoke(running));
        var state = new StateStore(_dir).Read();
        var status = state.StatusOf("slow", state.NodeName);
        Assert.Equal(ResourceState.OSF, status.State);
        Assert.Contains("Cancelled", status.Reason);
        Assert.Null(status.BusyPid);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
