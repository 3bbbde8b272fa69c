using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SiosRoute53.Route53Server;

public sealed record Route53ServerOptions
{
    /// <summary>Where the API listens; port 0 picks a free port (read it back from <see cref="Route53CompatibleServer.Endpoint"/>).</summary>
    public IPEndPoint HttpEndpoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Where the DNS frontend listens (UDP); null = no DNS frontend.</summary>
    public IPEndPoint? DnsEndpoint { get; init; }

    /// <summary>How long each change stays PENDING (a fixed time); <see cref="Propagation"/> overrides it.</summary>
    public TimeSpan PropagationDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long each change stays PENDING: fixed, or drawn uniformly per change from a range.</summary>
    public PropagationRange? Propagation { get; init; }

    /// <summary>Token that the control endpoint (/_control/…) requires; null disables the endpoint.</summary>
    public string? ControlToken { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// A Route 53-compatible server: the API on HTTP, an optional DNS frontend on UDP, SigV4 verification, limits and
/// faults. Tests start it in-process; the executable wraps it for the demo lab and users' own runbook tests.
/// </summary>
public sealed class Route53CompatibleServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DnsFrontend? _dns;
    private readonly Route53Api _api;

    private Route53CompatibleServer(WebApplication app, Route53Api api, DnsFrontend? dns, ZoneStore zones, ServerFaults faults, RequestAuthenticator auth, Uri endpoint)
    {
        (_app, _api, _dns, Zones, Faults, Authenticator, Endpoint) = (app, api, dns, zones, faults, auth, endpoint);
    }

    public Uri Endpoint { get; }
    public IPEndPoint? DnsEndpoint => _dns?.Endpoint;
    public ZoneStore Zones { get; }
    public ServerFaults Faults { get; }
    public RequestAuthenticator Authenticator { get; }
    public long RequestCount => _api.RequestCount;

    /// <summary>Requests, Throttling answers and other errors per operation; resettable.</summary>
    public RequestCounters Requests => _api.Counters;

    /// <summary>Requests per operation since the start or the last reset.</summary>
    public IReadOnlyDictionary<string, long> CallsByOperation => _api.Counters.Snapshot().ToDictionary(kv => kv.Key, kv => kv.Value.Requests);
    public long DnsQueryCount => _dns?.QueryCount ?? 0;

    public static async Task<Route53CompatibleServer> StartAsync(Route53ServerOptions options, CancellationToken cancellationToken = default)
    {
        var zones = new ZoneStore(options.Time, options.PropagationDelay);
        if (options.Propagation is { } range) zones.Propagation = range;
        var faults = new ServerFaults();
        var auth = new RequestAuthenticator(options.Time);
        var api = new Route53Api(zones, faults, auth, options.Time);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(options.HttpEndpoint);
            k.Limits.MaxRequestBodySize = 2 * 1024 * 1024;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        var app = builder.Build();
        if (options.ControlToken is { } token)
            app.Map("/_control", control => control.Run(ctx => new ControlEndpoint(token, faults, zones, api.Counters).HandleAsync(ctx)));
        app.Run(api.HandleAsync);

        DnsFrontend? dns = null;
        try
        {
            if (options.DnsEndpoint is not null)
            {
                dns = new DnsFrontend(zones, options.DnsEndpoint);
                dns.Start();
            }
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            dns?.Dispose();
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var endpoint = new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1"));
        return new Route53CompatibleServer(app, api, dns, zones, faults, auth, endpoint);
    }

    public async ValueTask DisposeAsync()
    {
        _dns?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
