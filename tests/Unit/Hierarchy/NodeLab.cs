using System.Net;
using SiosRoute53.Aws;
using SiosRoute53.Hierarchy;
using SiosRoute53.Kits;
using SiosRoute53.Model;
using SiosRoute53.Platform;
using SiosRoute53.Route53;
using SiosRoute53.Store;
using SiosRoute53.Tests.Unit.Server;
using SiosRoute53.Tunables;

namespace SiosRoute53.Tests.Unit.Hierarchy;

/// <summary>Interfaces a test says the node has.</summary>
public sealed class FakeNetwork : INetworkInventory
{
    public List<InterfaceAddress> Entries { get; } = new();
    public IReadOnlyList<InterfaceAddress> Addresses() => Entries.ToList();
}

/// <summary>Commands that succeed or fail as a test says; records what ran.</summary>
public sealed class FakeCommands : ICommandRunner
{
    public Dictionary<string, int> ExitCodes { get; } = new();
    public List<string> Ran { get; } = new();

    public Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (Ran) Ran.Add(command);
        return Task.FromResult(new CommandResult(ExitCodes.GetValueOrDefault(command), ExitCodes.GetValueOrDefault(command) == 0 ? "" : "it broke", false));
    }
}

/// <summary>One node (its own store, tunables, interfaces) against a shared Route 53-compatible server.</summary>
public sealed class NodeLab : IDisposable
{
    private readonly string _dir;

    public NodeLab(TestServer server, string node, string cluster = "lab", string address = "10.0.1.10", string tunables = "")
    {
        Server = server;
        _dir = Directory.CreateTempSubdirectory("siosr53-node-").FullName;
        TunablesPath = Path.Combine(_dir, "tunables");
        File.WriteAllText(TunablesPath,
            "ROUTE53_RECORD_INTERVAL=1\nROUTE53_CHANGEID_INTERVAL=1\nROUTE53_CHANGEID_TRY_COUNT=5\nROUTE53_RECORDCHECK_INTERVAL=1\nROUTE53_RECORDCHECK_TRY_COUNT=2\n" + tunables);
        Store = new StateStore(Path.Combine(_dir, "state"));
        Store.Update(s => s with { NodeName = node, ClusterName = cluster });
        Network.Entries.Add(new InterfaceAddress("eth0", IPAddress.Parse(address), true, true));
        Network.Entries.Add(new InterfaceAddress("lo", IPAddress.Loopback, true, true));
        Address = address;
        Environment = new KitEnvironment
        {
            Route53 = (access, t, log) => new Route53Client(
                new StaticCredentialSource(new AwsKeys(TestServer.AccessKey, TestServer.SecretKey)),
                new Route53ClientOptions
                {
                    Endpoint = access.EndpointUrl ?? server.Server.Endpoint,
                    RequestsPerSecond = 0,
                    Retry = new RetryPolicy { MaxAttempts = access.MaxAttempts, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(20) },
                    RequestTimeout = TimeSpan.FromSeconds(3),
                    Log = log,
                }),
            Network = Network,
            Commands = Commands,
        };
        Manager = new ResourceManager(Store, Environment, () => TunableSet.Load(TunablesPath));
    }

    public KitEnvironment Environment { get; }

    /// <summary>A manager of this node with other kits (a test's own kit for a kind).</summary>
    public ResourceManager ManagerWith(params IResourceKit[] kits) =>
        new(Store, Environment, () => TunableSet.Load(TunablesPath), new IResourceKit[] { new IpKit(), new Route53Kit(), new ServiceKit() }
            .Where(k => kits.All(x => x.Kind != k.Kind)).Concat(kits));

    public TestServer Server { get; }
    public StateStore Store { get; }
    public ResourceManager Manager { get; }
    public FakeNetwork Network { get; } = new();
    public FakeCommands Commands { get; } = new();
    public string TunablesPath { get; }
    public string Address { get; }
    public List<string> Log { get; } = new();

    public OperationOptions Options(bool force = false) => new() { Force = force, Log = l => { lock (Log) Log.Add(l); } };

    /// <summary>The seed's hierarchy: web (service) → web-dns (route53) → web-ip (ip).</summary>
    public async Task CreateSeedHierarchyAsync(HostedZone zone, string record = "app.corp.example.")
    {
        await Manager.CreateAsync(new ResourceDefinition
        {
            Tag = "web-ip",
            Kind = ResourceKind.Ip,
            Nodes = new(StringComparer.OrdinalIgnoreCase) { [Store.Read().NodeName] = new NodeInstance { Settings = new IpSettings(IPAddress.Parse(Address)).ToSettings() } },
        }, Array.Empty<string>(), default);
        await Manager.CreateAsync(Route53Definition("web-dns", zone, record), new[] { "web-ip" }, default);
        await Manager.CreateAsync(ServiceSettings.Commands("start web", "stop web", "check web").Define("web"), new[] { "web-dns" }, default);
    }

    public static ResourceDefinition Route53Definition(string tag, HostedZone zone, string record, string ip = "web-ip") =>
        new Route53Settings(zone.ShortId, zone.Name, record, null, ip, new AwsAccessOptions()).Define(tag);

    public ResourceState StateOf(string tag) => Store.Read().StatusOf(tag, Store.Read().NodeName).State;

    public void Dispose() => Directory.Delete(_dir, true);
}
