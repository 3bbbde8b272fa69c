using System.Diagnostics;
using System.Globalization;
using System.Net;
using SiosRoute53.Aws;
using SiosRoute53.Kits;
using SiosRoute53.Route53;
using SiosRoute53.Model;
using SiosRoute53.Tunables;

namespace SiosRoute53.Ocf;

/// <summary>What the agent needs from its node; tests substitute them.</summary>
public sealed record AgentHost
{
    public Route53ClientFactory Route53 { get; init; } = KitEnvironment.DefaultRoute53;
    public InstanceMetadata Metadata { get; init; } = new();
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where "started here" marks and zone snapshots live: the node's run directory, gone after a reboot.</summary>
    public string RunDirectory { get; init; } = RequestBudget.RunDirectory;

    public Action<string, string> Log { get; init; } = (level, message) => Console.Error.WriteLine($"{level}: {message}");
}

/// <summary>
/// The OCF actions over the route53 kit. start = the kit's restore (compare-and-swap with the ownership mark, INSYNC,
/// read-back); stop leaves the record; monitor = the kit's check over a zone snapshot shared by the node's agents,
/// plus the ownership mark; validate-all = the kit's validation. Every result is an <see cref="OcfDecision"/>.
/// </summary>
public sealed class Route53Agent(IReadOnlyDictionary<string, string> environment, AgentHost host)
{
    /// <summary>A probe reuses another agent's zone read only this fresh: it decides whether Pacemaker thinks the resource runs here.</summary>
    public static readonly TimeSpan ProbeSnapshotAge = TimeSpan.FromSeconds(2);

    private readonly Route53Kit _kit = new();

    private string? Env(string name) => environment.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    /// <summary>The resource's name in Pacemaker (a clone's instance number dropped), also the mark's resource name.</summary>
    public string Instance => Env("OCF_RESOURCE_INSTANCE")?.Split(':')[0] ?? "route53";

    private bool Debug => Env("HA_debug") == "1" || Env("OCF_TRACE_RA") == "1";

    private string StartedFile => Path.Combine(host.RunDirectory, "ocf", Instance + ".started");

    public bool StartedHere => File.Exists(StartedFile);

    /// <summary>OCF_RESKEY_CRM_meta_interval in milliseconds: 0 (or absent) for a probe.</summary>
    public TimeSpan Interval => TimeSpan.FromMilliseconds(long.TryParse(Env("OCF_RESKEY_CRM_meta_interval"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms) ? ms : 0);

    /// <summary>Pacemaker's timeout for this action, less a margin so that the agent answers before it is killed.</summary>
    public TimeSpan? Deadline => long.TryParse(Env("OCF_RESKEY_CRM_meta_timeout"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long ms) && ms > 0
        ? TimeSpan.FromMilliseconds(ms) - TimeSpan.FromMilliseconds(Math.Min(5000, ms / 10))
        : null;

    public async Task<OcfDecision> RunAsync(string action, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Deadline is { } deadline) limit.CancelAfter(deadline);
        return action switch
        {
            "start" => await StartAsync(limit.Token),
            "stop" => Stop(),
            "monitor" or "status" => await MonitorAsync(limit.Token),
            "validate-all" => await ValidateAsync(limit.Token),
            _ => new OcfDecision(OcfExitCode.ErrUnimplemented, "unknown-action", $"Action '{action}' is not implemented."),
        };
    }

    // ---- start / stop ----------------------------------------------------------------------------------------------

    private async Task<OcfDecision> StartAsync(CancellationToken cancellationToken)
    {
        AgentSettings? settings = null;
        var clock = Stopwatch.StartNew();
        try
        {
            settings = AgentSettings.Parse(environment);
            var (node, cluster, address, tunables) = await ResolveAsync(settings, cancellationToken);
            host.Log("INFO", $"start: pointing {settings.RecordName} (zone {settings.HostedZoneId}) at {address} for node '{node}' of cluster '{cluster}'.");
            var environmentForKit = new KitEnvironment { Route53 = host.Route53, Time = host.Time };
            var context = KitBridge.Context(settings, Instance, node, cluster, address, null, tunables, environmentForKit, NarrateTo("start"));
            var result = await _kit.RestoreAsync(context, cancellationToken);
            await ForgetZoneAsync(settings, tunables);
            MarkStarted(true);
            return OcfDecisions.Start(null, $"{result.Message} ({result.ApiCalls} Route 53 call(s), {clock.Elapsed.TotalSeconds:0.0} s)");
        }
        catch (Exception e)
        {
            // Whatever went wrong, the start fails: never "started" without the record confirmed as this node's.
            if (settings is not null) await ForgetZoneQuietlyAsync(settings);
            MarkStarted(false);
            return OcfDecisions.Start(e, "");
        }
    }

    /// <summary>stop leaves the record for the next owner: only this node's "started here" mark goes.</summary>
    private OcfDecision Stop()
    {
        MarkStarted(false);
        return new OcfDecision(OcfExitCode.Success, "record-left", "Stopped; the record is left as it is for the next owner.");
    }

    private void MarkStarted(bool started)
    {
        if (!started)
        {
            if (File.Exists(StartedFile)) File.Delete(StartedFile);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(StartedFile)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var stream = new FileStream(StartedFile, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        stream.Write(System.Text.Encoding.UTF8.GetBytes(host.Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) + "\n"));
    }

    // ---- monitor ---------------------------------------------------------------------------------------------------

    private async Task<OcfDecision> MonitorAsync(CancellationToken cancellationToken)
    {
        bool probe = Interval == TimeSpan.Zero;
        // Not started here (never, or stopped, or the node rebooted): no Route 53 call at all.
        if (!StartedHere) return OcfDecisions.Monitor(false, probe, RecordView.Elsewhere, "");
        AgentSettings settings;
        string node, cluster;
        IPAddress address;
        TunableSet tunables;
        try
        {
            settings = AgentSettings.Parse(environment);
            (node, cluster, address, tunables) = await ResolveAsync(settings, cancellationToken);
        }
        catch (AgentParameterException e) { return new OcfDecision(e.ExitCode, "bad-parameter", e.Message); }
        catch (TunablesFileException e) { return new OcfDecision(OcfExitCode.ErrConfigured, "bad-tunables", e.Message); }
        catch (MetadataUnavailableException e) { return OcfDecisions.Monitor(true, probe, RecordView.Unreadable, e.Message); }

        var maxAge = probe ? ProbeSnapshotAge : TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, Interval.Ticks * 9 / 10));
        var snapshot = new ZoneSnapshot(Path.Combine(host.RunDirectory, "zones"), EndpointOf(settings, tunables), settings.HostedZoneId, host.Time);
        SnapshotRoute53Client? client = null;
        var environmentForKit = new KitEnvironment
        {
            Route53 = (access, t, log) => client = new SnapshotRoute53Client(() => host.Route53(access, t, log), settings.HostedZoneId, snapshot, maxAge),
            Time = host.Time,
        };
        var context = KitBridge.Context(settings, Instance, node, cluster, address, null, tunables, environmentForKit, NarrateTo("monitor"));
        try
        {
            var check = await _kit.QuickCheckAsync(context, cancellationToken);
            if (check.Outcome == CheckOutcome.Unknown)
                return OcfDecisions.Monitor(true, probe, client?.LastFailure is { } f && OcfDecisions.IsRefusal(f) ? RecordView.Refused : RecordView.Unreadable, check.Message);
            if (check.Outcome == CheckOutcome.Failed)
                return OcfDecisions.Monitor(true, probe, RecordView.Elsewhere, check.Message);
            // The address is ours; the record is this node's only when the mark says so too.
            var markSet = (await client!.GetRecordSetsAsync(settings.HostedZoneId, OwnershipMark.NameFor(settings.RecordName), "TXT", cancellationToken)).FirstOrDefault();
            var mark = OwnershipMark.Parse(markSet);
            var mine = new OwnershipMark(cluster, Instance, node);
            return mark == mine
                ? OcfDecisions.Monitor(true, probe, RecordView.Ours, $"{check.Message} Owned by node '{node}' of cluster '{cluster}'.")
                : OcfDecisions.Monitor(true, probe, RecordView.Elsewhere,
                    $"{check.Message} But its ownership mark {(mark is null ? "is missing" : $"names node '{mark.Node}' of cluster '{mark.Cluster}' (resource '{mark.Resource}')")}, not this node.");
        }
        catch (Exception e) when (OcfDecisions.IsRefusal(e))
        {
            return OcfDecisions.Monitor(true, probe, RecordView.Refused, OcfDecisions.Message(e));
        }
        catch (Exception e) when (e is Route53Exception || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return OcfDecisions.Monitor(true, probe, RecordView.Unreadable, OcfDecisions.Message(e));
        }
        catch (OperationCanceledException)
        {
            return OcfDecisions.Monitor(true, probe, RecordView.Unreadable, "no answer from Route 53 within the monitor's timeout");
        }
    }

    // ---- validate-all ----------------------------------------------------------------------------------------------

    private async Task<OcfDecision> ValidateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var settings = AgentSettings.Parse(environment);
            var (node, cluster, address, tunables) = await ResolveAsync(settings, cancellationToken);
            var client = host.Route53(settings.Access with { EndpointUrl = EndpointOf(settings, tunables) }, tunables, NarrateTo("validate-all"));
            string zoneName;
            try
            {
                // The zone's apex (SOA, NS) comes first in a listing: its name, the zone's existence and the listing
                // permission in one call, with only the IAM actions the agent needs anyway.
                var first = await client.ListResourceRecordSetsAsync(settings.HostedZoneId, null, null, null, 1, cancellationToken);
                zoneName = first.RecordSets.FirstOrDefault()?.Name ?? throw new AgentParameterException($"Hosted zone {settings.HostedZoneId} lists no records at all, not even its SOA; check hostedzoneid.");
            }
            catch (Route53Exception e) when (!OcfDecisions.IsRefusal(e))
            {
                host.Log("WARNING", $"validate-all: Route 53 could not be asked ({e.Message}); the parameters are valid, the zone was not checked.");
                return new OcfDecision(OcfExitCode.Success, "parameters-valid-zone-unchecked", "The parameters are valid; Route 53 could not be asked about the zone.");
            }
            var context = KitBridge.Context(settings, Instance, node, cluster, address, zoneName, tunables, new KitEnvironment { Route53 = host.Route53, Time = host.Time }, NarrateTo("validate-all"));
            try { await _kit.ValidateAsync(context, cancellationToken); }
            catch (Exception e) when (e is HaArgumentException or DefinitionException) { throw new AgentParameterException(e.Message); }
            return new OcfDecision(OcfExitCode.Success, "valid", $"{settings.RecordName} in zone {zoneName} ({settings.HostedZoneId}) would hold {address} on node '{node}' of cluster '{cluster}'.");
        }
        catch (AgentParameterException e) { return new OcfDecision(e.ExitCode, "bad-parameter", e.Message); }
        catch (TunablesFileException e) { return new OcfDecision(OcfExitCode.ErrConfigured, "bad-tunables", e.Message); }
        catch (MetadataUnavailableException e) { return new OcfDecision(OcfExitCode.ErrGeneric, "metadata-unavailable", e.Message); }
        catch (Exception e) when (OcfDecisions.IsRefusal(e)) { return new OcfDecision(OcfExitCode.ErrConfigured, "aws-refused", OcfDecisions.Message(e)); }
    }

    // ---- shared ----------------------------------------------------------------------------------------------------

    private async Task<(string Node, string Cluster, IPAddress Address, TunableSet Tunables)> ResolveAsync(AgentSettings settings, CancellationToken cancellationToken)
    {
        var tunables = TunableSet.Load(settings.TunablesPath);
        string node = NodeName();
        var address = settings.FixedAddressFor(node)
            ?? await host.Metadata.GetAddressAsync(((AddressSource.Metadata)settings.Address).Item, environment, settings.MetadataAttempts, settings.MetadataPause, cancellationToken);
        return (node, settings.Cluster ?? ClusterName(), address, tunables);
    }

    /// <summary>Pacemaker's name for this node: from the action's environment, else crm_node -n, else the host name.</summary>
    public string NodeName()
    {
        if (Env("OCF_RESKEY_CRM_meta_on_node") is { } node) return node;
        try
        {
            using var p = Process.Start(new ProcessStartInfo("crm_node", "-n") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is not null && p.WaitForExit(5000) && p.ExitCode == 0 && p.StandardOutput.ReadToEnd().Trim() is { Length: > 0 } name) return name;
        }
        catch (System.ComponentModel.Win32Exception) { } // crm_node is not installed: not under Pacemaker
        return Environment.MachineName;
    }

    /// <summary>totem.cluster_name from corosync.conf, else "pacemaker".</summary>
    public string ClusterName()
    {
        string file = Env("COROSYNC_MAIN_CONFIG_FILE") ?? "/etc/corosync/corosync.conf";
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var t = line.Trim();
                if (t.StartsWith("cluster_name:", StringComparison.Ordinal) && t["cluster_name:".Length..].Trim() is { Length: > 0 } name) return name;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return "pacemaker";
    }

    private static Uri EndpointOf(AgentSettings settings, TunableSet tunables) =>
        settings.Access.EndpointUrl
        ?? (tunables.Text("ROUTE53_ENDPOINT_URL") is { Length: > 0 } url ? new Uri(url) : AwsAccessOptions.DefaultEndpoint);

    private async Task ForgetZoneAsync(AgentSettings settings, TunableSet tunables) =>
        await new ZoneSnapshot(Path.Combine(host.RunDirectory, "zones"), EndpointOf(settings, tunables), settings.HostedZoneId, host.Time).InvalidateAsync(CancellationToken.None);

    private async Task ForgetZoneQuietlyAsync(AgentSettings settings)
    {
        try { await ForgetZoneAsync(settings, TunableSet.Load(settings.TunablesPath)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TunablesFileException) { }
    }

    /// <summary>The kit's and the client's narration (one line per call): only when Pacemaker's debugging is on.</summary>
    private Action<string> NarrateTo(string action) => Debug ? line => host.Log("DEBUG", $"{action}: {line}") : _ => { };
}
