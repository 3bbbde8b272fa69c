using System.Collections;
using System.Management.Automation;
using System.Net;
using SiosRoute53.Cluster;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cmdlets.Cluster;

/// <summary>Extends a hierarchy to another node (LifeKeeper's "extend"), with that node's own addresses and a priority.</summary>
[Cmdlet(VerbsData.Expand, "HaResource", SupportsShouldProcess = true)]
[OutputType(typeof(HaResource))]
public sealed class ExpandHaResourceCommand : NodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string Tag { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [Alias("Node")]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string NodeName { get; set; } = "";

    [Parameter]
    [ValidateRange(1, 1000)]
    public int Priority { get; set; } = 10;

    [Parameter]
    public IPAddress? Address { get; set; }

    [Parameter]
    public Hashtable? IpAddress { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var addresses = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (Address is not null) addresses["*"] = Address.ToString();
        foreach (DictionaryEntry e in IpAddress ?? new Hashtable()) addresses[e.Key.ToString()!] = e.Value?.ToString() ?? "";
        if (!await OnPipelineThread(() => ShouldProcess($"hierarchy of '{Tag}' to node '{NodeName}' (priority {Priority})", "Extend"))) return;
        var store = new StateStore(ResolvedStateDirectory);
        Verbose($"Asking '{NodeName}' to validate its own settings for '{Tag}'.");
        await new ClusterService(store).ExtendAsync(Tag, NodeName, Priority, addresses, cancellationToken);
        foreach (var r in CreateManager().List().Where(r => Hierarchy.ResourceManager.RestoreOrder(store.Read(), Tag).Contains(r.Tag, StringComparer.OrdinalIgnoreCase)))
            Emit(r);
    }
}
