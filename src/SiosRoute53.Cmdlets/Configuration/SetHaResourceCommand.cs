using System.Management.Automation;
using System.Net;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Hierarchy;
using SiosRoute53.Model;
using SiosRoute53.Store;

namespace SiosRoute53.Cmdlets.Configuration;

/// <summary>
/// Changes a resource's definition in place: a route53 resource's zone, record name or TTL, a service's commands or
/// unit, a node's own address, the hierarchy's priority on a node. Refuses what is unsafe while in service, says when
/// each change takes effect, and reaches the other members like every configuration change.
/// </summary>
[Cmdlet(VerbsCommon.Set, "HaResource", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ZoneIdSet)]
[OutputType(typeof(SettingChange), typeof(HaResource))]
public sealed class SetHaResourceCommand : OperationCmdlet
{
    private const string ZoneIdSet = "ZoneId";
    private const string ZoneNameSet = "ZoneName";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    [ValidateNotNullOrEmpty]
    public string Tag { get; set; } = "";

    /// <summary>route53: the hosted zone, by id (looked up now with the resource's own access settings).</summary>
    [Parameter(ParameterSetName = ZoneIdSet)]
    [ValidateNotNullOrEmpty]
    public string? HostedZoneId { get; set; }

    /// <summary>route53: the hosted zone, by name.</summary>
    [Parameter(ParameterSetName = ZoneNameSet)]
    [ValidateNotNullOrEmpty]
    public string? ZoneName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RecordName { get; set; }

    [Parameter]
    [ValidateRange(0, 86400)]
    public int? Ttl { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? StartCommand { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? StopCommand { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? CheckCommand { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? SystemdUnit { get; set; }

    /// <summary>The node whose own settings (-Address, -Priority) change; this node by default.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Node { get; set; }

    [Parameter]
    public IPAddress? Address { get; set; }

    [Parameter]
    [ValidateRange(1, 1000)]
    public int? Priority { get; set; }

    /// <summary>Write the changed resources instead of the changes.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var manager = CreateManager();
        try { await ChangeAsync(manager, cancellationToken); }
        catch (Exception e) when (IsReportable(e)) { EmitError(ErrorFor(e, Tag)); }
    }

    private async Task ChangeAsync(ResourceManager manager, CancellationToken cancellationToken)
    {
        var store = new StateStore(ResolvedStateDirectory);
        var state = store.Read();
        var definition = state.Find(Tag) ?? throw new ResourceNotFoundException(Tag, state.Resources.Select(r => r.Tag));
        var update = new ResourceUpdate
        {
            Tag = definition.Tag,
            Node = Node,
            RecordName = RecordName,
            Ttl = Ttl,
            StartCommand = StartCommand,
            StopCommand = StopCommand,
            CheckCommand = CheckCommand,
            SystemdUnit = SystemdUnit,
            Address = Address,
            Priority = Priority,
        };
        if ((HostedZoneId ?? ZoneName) is { } zoneGiven && definition.Kind == ResourceKind.Route53)
        {
            var access = Route53Settings.For(definition, state.NodeName).Access;
            Verbose($"Looking up hosted zone '{zoneGiven}' with ListHostedZones (the resource's own access settings).");
            var zone = await manager.ResolveZoneAsync(access, HostedZoneId, ZoneName, Verbose, cancellationToken);
            update = update with { HostedZoneId = zone.ShortId, ZoneName = zone.Name };
        }
        else if ((HostedZoneId ?? ZoneName) is not null)
            update = update with { HostedZoneId = HostedZoneId ?? ZoneName, ZoneName = ZoneName ?? HostedZoneId }; // refused by kind below

        if (state.Members.Count > 1) Verbose("Asking the other members' agents what they have in service.");
        var inService = await ClusterReach.InServiceAsync(store, cancellationToken);
        var validateOn = ClusterReach.Validator(store);
        var plan = await manager.UpdateAsync(update, inService, validateOn, apply: false, cancellationToken);
        if (plan.Changes.Count == 0)
        {
            Verbose($"'{plan.Tag}' already has these settings; nothing to change.");
            if (PassThru) foreach (var r in plan.Resources) Emit(r);
            return;
        }
        string target = string.Join("; ", plan.Changes) + (state.Members.Count > 0 ? $" (cluster '{state.ClusterName}', every member)" : "");
        if (!await OnPipelineThread(() => ShouldProcess(target, "Change"))) return;
        var done = await manager.UpdateAsync(update, inService, validateOn, apply: true, cancellationToken);
        foreach (var c in done.Changes) Verbose($"{c}.");
        if (PassThru) foreach (var r in done.Resources) Emit(r);
        else foreach (var c in done.Changes) Emit(c);
    }
}
