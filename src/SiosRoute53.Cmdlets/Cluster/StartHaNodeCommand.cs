using System.Management.Automation;
using System.Runtime.InteropServices;
using SiosRoute53.Cluster;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Kits;
using SiosRoute53.Store;
using SiosRoute53.Tunables;

namespace SiosRoute53.Cmdlets.Cluster;

/// <summary>Runs the node agent until Ctrl+C or SIGTERM (meant for a systemd unit).</summary>
[Cmdlet(VerbsLifecycle.Start, "HaNode")]
[OutputType(typeof(void))]
public sealed class StartHaNodeCommand : OperationCmdlet
{
    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        var tunables = TunablesLoader();
        var store = new StateStore(ResolvedStateDirectory);
        var environment = new KitEnvironment { Route53 = KitEnvironment.DefaultRoute53 };
        var manager = new Hierarchy.ResourceManager(store, environment, tunables);
        var agent = new NodeAgent(store, manager, tunables, environment, line =>
            Post(() => WriteInformation(new InformationRecord($"{DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss.fff} {line}", "SiosRoute53"))));
        await agent.RunAsync(stop.Token);
    }
}
