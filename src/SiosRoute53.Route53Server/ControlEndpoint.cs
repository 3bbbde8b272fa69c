using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SiosRoute53.Route53Server;

/// <summary>
/// The test-only control endpoint, enabled by a token and refused (403) without it in the X-Control-Token header:
/// <list type="bullet">
/// <item>GET/PUT /_control/faults: limits and injected faults, and the propagation time;</item>
/// <item>GET/PUT /_control/propagation: the propagation time alone, "2" or "20-60" (seconds, uniform per change);</item>
/// <item>GET /_control/requests: requests, Throttling answers and other errors per operation; DELETE resets them
/// (and answers the counts up to the reset).</item>
/// </list>
/// </summary>
internal sealed class ControlEndpoint(string token, ServerFaults faults, ZoneStore zones, RequestCounters counters)
{
    /// <summary>The faults document. Absent fields are 0 / off; propagationDelaySeconds below 0 leaves the propagation as it is.</summary>
    private sealed record FaultsDocument(
        double RequestsPerSecond, int ThrottleNextRequests, double PriorRequestWindowSeconds, double LatencyMilliseconds,
        double ServerErrorRate, double DropRate, bool Outage, double PropagationDelaySeconds, string? Propagation = null);

    private sealed record RequestsDocument(long Total, IReadOnlyDictionary<string, OperationCount> Operations);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.Request.Headers.TryGetValue("X-Control-Token", out var given)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given.ToString()), Encoding.UTF8.GetBytes(token)))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        string method = context.Request.Method;
        bool write = HttpMethods.IsPut(method) || HttpMethods.IsPost(method);
        try
        {
            switch (context.Request.Path.Value?.TrimEnd('/'))
            {
                case "/faults" when write || HttpMethods.IsGet(method):
                    if (write) await SetFaultsAsync(context);
                    await WriteFaultsAsync(context);
                    return;
                case "/propagation" when write || HttpMethods.IsGet(method):
                    if (write)
                    {
                        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
                        zones.Propagation = PropagationRange.Parse(await reader.ReadToEndAsync(context.RequestAborted));
                    }
                    await context.Response.WriteAsync(zones.Propagation.ToString());
                    return;
                case "/requests" when HttpMethods.IsGet(method) || HttpMethods.IsDelete(method):
                    var counts = HttpMethods.IsDelete(method) ? counters.Reset() : counters.Snapshot();
                    await context.Response.WriteAsJsonAsync(new RequestsDocument(counts.Values.Sum(c => c.Requests), counts), Json);
                    return;
                default:
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    await context.Response.WriteAsync($"No control operation for {method} /_control{context.Request.Path}: use /_control/faults, /_control/propagation or /_control/requests.");
                    return;
            }
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync(e.Message);
        }
    }

    private async Task SetFaultsAsync(HttpContext context)
    {
        var doc = await JsonSerializer.DeserializeAsync<FaultsDocument>(context.Request.Body, Json, context.RequestAborted)
                  ?? throw new JsonException("The faults document is empty.");
        PropagationRange? propagation = doc.Propagation is not null ? PropagationRange.Parse(doc.Propagation)
            : doc.PropagationDelaySeconds >= 0 ? PropagationRange.Fixed(TimeSpan.FromSeconds(doc.PropagationDelaySeconds)) : null;
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
        if (propagation is { } p) zones.Propagation = p;
    }

    private Task WriteFaultsAsync(HttpContext context)
    {
        var f = faults.Current;
        var p = zones.Propagation;
        return context.Response.WriteAsJsonAsync(new FaultsDocument(f.RequestsPerSecond, f.ThrottleNextRequests,
            f.PriorRequestWindow.TotalSeconds, f.Latency.TotalMilliseconds, f.ServerErrorRate, f.DropRate, f.Outage,
            p.Min.TotalSeconds, p.ToString()), Json);
    }
}
