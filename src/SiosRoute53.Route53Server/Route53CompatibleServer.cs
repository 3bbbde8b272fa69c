using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SiosRoute53.Route53Server;

public sealed record Route53ServerOptions
{
    /// <summary>Where the API listens; port 0 picks a free port (read it back from <see cref="Route53CompatibleServer.Endpoint"/>).</summary>
    public IPEndPoint HttpEndpoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Where the DNS frontend listens (UDP); null = no DNS frontend.</summary>
    public IPEndPoint? DnsEndpoint { get; init; }

    /// <summary>How long each change stays PENDING.</summary>
    public TimeSpan PropagationDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Token that the control endpoint (/_control/faults) requires; null disables the endpoint.</summary>
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
    public IReadOnlyDictionary<string, long> CallsByOperation => _api.CallsByOperation;
    public long DnsQueryCount => _dns?.QueryCount ?? 0;

    public static async Task<Route53CompatibleServer> StartAsync(Route53ServerOptions options, CancellationToken cancellationToken = default)
    {
        var zones = new ZoneStore(options.Time, options.PropagationDelay);
        var faults = new ServerFaults();
        var auth = new RequestAuthenticator(options.Time);
        var api = new Route53Api(zones, faults, auth, options.Time);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(options.HttpEndpoint);
            k.Limits.MaxRequestBodySize = 1024 * 1024;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        var app = builder.Build();
        if (options.ControlToken is { } token)
            app.Map("/_control/faults", control => control.Run(ctx => ControlAsync(ctx, token, faults, zones)));
        app.Run(api.HandleAsync);

        DnsFrontend? dns = null;
        if (options.DnsEndpoint is not null)
        {
            dns = new DnsFrontend(zones, options.DnsEndpoint);
            dns.Start();
        }
        try
        {
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

    private sealed record ControlDocument(
        double RequestsPerSecond, int ThrottleNextRequests, double PriorRequestWindowSeconds, double LatencyMilliseconds,
        double ServerErrorRate, double DropRate, bool Outage, double PropagationDelaySeconds);

    private static readonly JsonSerializerOptions ControlJson = new(JsonSerializerDefaults.Web);

    private static async Task ControlAsync(HttpContext context, string token, ServerFaults faults, ZoneStore zones)
    {
        if (!context.Request.Headers.TryGetValue("X-Control-Token", out var given) || given.ToString() != token)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        if (HttpMethods.IsPut(context.Request.Method) || HttpMethods.IsPost(context.Request.Method))
        {
            try
            {
                var doc = await JsonSerializer.DeserializeAsync<ControlDocument>(context.Request.Body, ControlJson)
                          ?? throw new JsonException("empty document");
                faults.Set(new FaultSnapshot
                {
                    RequestsPerSecond = doc.RequestsPerSecond,
                    ThrottleNextRequests = doc.ThrottleNextRequests,
                    PriorRequestWindow = TimeSpan.FromSeconds(doc.PriorRequestWindowSeconds),
                    Latency = TimeSpan.FromMilliseconds(doc.LatencyMilliseconds),
                    ServerErrorRate = doc.ServerErrorRate,
                    DropRate = doc.DropRate,
                    Outage = doc.Outage,
                });
                if (doc.PropagationDelaySeconds >= 0) zones.PropagationDelay = TimeSpan.FromSeconds(doc.PropagationDelaySeconds);
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync(e.Message);
                return;
            }
        }
        var f = faults.Current;
        await context.Response.WriteAsJsonAsync(new ControlDocument(f.RequestsPerSecond, f.ThrottleNextRequests,
            f.PriorRequestWindow.TotalSeconds, f.Latency.TotalMilliseconds, f.ServerErrorRate, f.DropRate, f.Outage,
            zones.PropagationDelay.TotalSeconds), ControlJson);
    }

    public async ValueTask DisposeAsync()
    {
        _dns?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
