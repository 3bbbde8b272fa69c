using System.Management.Automation;
using System.Net;
using SiosRoute53.Cmdlets.Infrastructure;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;

namespace SiosRoute53.Cmdlets.Resources;

/// <summary>Checks what a node needs before a route53 hierarchy can run on it (the seed's requirements).</summary>
[Cmdlet(VerbsDiagnostic.Test, "HaPrerequisite", DefaultParameterSetName = ExplicitSet)]
[OutputType(typeof(HaPrerequisite), typeof(bool))]
public sealed class TestHaPrerequisiteCommand : AwsCmdlet
{
    private const string ExplicitSet = "Explicit";
    private const string ResourceSet = "Resource";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ResourceSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ResourceTagCompleter))]
    public string Tag { get; set; } = "";

    [Parameter(ParameterSetName = ExplicitSet)]
    [Alias("ZoneId")]
    [ValidateNotNullOrEmpty]
    public string? HostedZoneId { get; set; }

    [Parameter(ParameterSetName = ExplicitSet)]
    [ValidateNotNullOrEmpty]
    public string? ZoneName { get; set; }

    [Parameter(ParameterSetName = ExplicitSet)]
    [ValidateNotNullOrEmpty]
    public string? RecordName { get; set; }

    [Parameter(ParameterSetName = ExplicitSet)]
    public IPAddress? Address { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DnsServer { get; set; }

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        var request = new PrerequisiteRequest
        {
            Access = AccessOptions(),
            HostedZoneId = HostedZoneId,
            ZoneName = ZoneName,
            RecordName = RecordName,
            Address = Address,
            DnsServer = DnsServer is null ? null : ParseEndpoint(DnsServer),
        };
        if (ParameterSetName == ResourceSet)
        {
            var state = CreateManager().State();
            var r = state.Find(Tag) ?? throw new ResourceNotFoundException(Tag, state.Resources.Select(x => x.Tag));
            if (r.Kind != ResourceKind.Route53)
                throw new HaArgumentException($"'{r.Tag}' is a {r.Kind} resource; give the tag of a route53 resource.", Tag);
            var s = Route53Settings.For(r, state.NodeName);
            var ip = state.Find(s.IpResource);
            var explicitAccess = AccessOptions();
            request = request with
            {
                Access = s.Access with
                {
                    EndpointUrl = explicitAccess.EndpointUrl ?? s.Access.EndpointUrl,
                    ProfileName = explicitAccess.ProfileName ?? s.Access.ProfileName,
                    ProfileLocation = explicitAccess.ProfileLocation ?? s.Access.ProfileLocation,
                },
                HostedZoneId = s.HostedZoneId,
                RecordName = s.RecordName,
                Address = ip is null ? null : IpSettings.For(ip, state.NodeName).Address,
            };
        }
        var checker = new PrerequisiteChecker(new KitEnvironment { Route53 = KitEnvironment.DefaultRoute53 }, LoadTunables());
        var results = await checker.RunAsync(request, Verbose, cancellationToken);
        if (Quiet) Emit(results.All(r => r.Status != PrerequisiteStatus.Failed));
        else foreach (var r in results) Emit(r);
    }

    private static IPEndPoint ParseEndpoint(string text)
    {
        if (IPEndPoint.TryParse(text, out var endpoint))
            return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint;
        throw new HaArgumentException($"-DnsServer '{text}' is not an address or address:port, e.g. 10.0.0.2 or 127.0.0.1:5353.", text);
    }
}
