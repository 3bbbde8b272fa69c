using System.Management.Automation;
using SiosRoute53.Cluster;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Kits;

namespace SiosRoute53.Cmdlets.Cluster;

/// <summary>
/// The whole cluster at a glance: cluster and quorum, every member, every hierarchy as a tree with its state and
/// priority on each node, each managed record's value and owner in Route 53 now, and the last failover.
/// </summary>
[Cmdlet(VerbsCommon.Get, "HaStatus")]
[OutputType(typeof(HaStatus))]
public sealed class GetHaStatusCommand : OperationCmdlet
{
    /// <summary>Do not read Route 53 (no API calls); the record section is left out.</summary>
    [Parameter]
    public SwitchParameter SkipRecord { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var tunables = LoadTunables();
        var status = await ClusterStatusReader.ReadAsync(CreateManager(), tunables, new KitEnvironment { Route53 = KitEnvironment.DefaultRoute53 },
            !SkipRecord, Verbose, cancellationToken);
        foreach (var r in status.Records.Where(r => r.Problem is not null))
            Warn($"{r.Record} ({r.Tag}): {r.Problem}");
        foreach (var m in status.Members.Where(m => !m.Reachable))
            Verbose($"'{m.Name}' did not answer: {m.Problem}");
        Emit(status);
    }
}
