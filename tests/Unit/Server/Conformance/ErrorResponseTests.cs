using System.Net;
using System.Reflection;
using SiosRoute53.Route53;
using SiosRoute53.Route53Server;
using static SiosRoute53.Tests.Unit.Server.Conformance.RawApi;

namespace SiosRoute53.Tests.Unit.Server.Conformance;

/// <summary>
/// API reference, "Errors" and ChangeResourceRecordSets: every error is an ErrorResponse with Type, Code, Message
/// and RequestId; a refused batch is InvalidChangeBatch with all its reasons in one bracketed message.
/// (RawApi checks the form and the code against the API model on every answer.)
/// </summary>
public class ErrorResponseTests
{
    [Fact]
    public async Task A_refused_change_batch_is_an_ErrorResponse_InvalidChangeBatch_with_every_reason_in_brackets()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var api = new RawApi(s);

        var r = await api.ChangeAsync(zone.Id,
            Change("DELETE", Set("missing.corp.example.", "A", 60, "10.0.0.1")),
            Change("CREATE", Set("outside.other.example.", "A", 60, "10.0.0.2")));

        Assert.Equal(HttpStatusCode.BadRequest, r.Status);
        Assert.Equal("InvalidChangeBatch", r.ErrorCode);
        Assert.Equal("[Tried to delete resource record set [name='missing.corp.example.', type='A'] but it was not found, "
                     + "RRSet with DNS name outside.other.example. is not permitted in zone corp.example.]", r.ErrorMessage);
        Assert.Equal(r.Headers["x-amzn-RequestId"], r.Root.Element(Ns + "RequestId")!.Value);
    }

    [Fact]
    public async Task NoSuchHostedZone_NoSuchChange_InvalidInput_Throttling_and_faults_are_ErrorResponses_too()
    {
        await using var s = await TestServer.StartAsync();
        using var api = new RawApi(s);

        var noZone = await api.GetZoneAsync("ZNOSUCHZONE");
        Assert.Equal((HttpStatusCode.NotFound, "NoSuchHostedZone"), (noZone.Status, noZone.ErrorCode));
        var noChange = await api.GetChangeAsync("CNOSUCHCHANGE");
        Assert.Equal((HttpStatusCode.NotFound, "NoSuchChange"), (noChange.Status, noChange.ErrorCode));
        var badMax = await api.ListZonesAsync("maxitems=none");
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidInput"), (badMax.Status, badMax.ErrorCode));

        s.Server.Faults.Update(f => f with { ThrottleNextRequests = 1 });
        var throttled = await api.ListZonesAsync();
        Assert.Equal((HttpStatusCode.BadRequest, "Throttling"), (throttled.Status, throttled.ErrorCode));
        s.Server.Faults.Update(f => f with { Outage = true });
        var outage = await api.ListZonesAsync();
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "ServiceUnavailable"), (outage.Status, outage.ErrorCode)); // Type Receiver
    }

    [Fact]
    public void Every_error_code_the_server_sends_is_a_Route53_error_shape_in_the_API_model_or_a_common_AWS_error()
    {
        var codes = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToList();
        var shapes = ApiModel.Route53.ErrorShapes.ToHashSet();

        Assert.NotEmpty(codes);
        Assert.All(codes, code => Assert.True(shapes.Contains(code) || ApiModel.CommonErrors.Contains(code),
            $"{code} is neither an error shape of the Route 53 API model nor a common AWS error"));
    }

    [Fact]
    public async Task Our_client_reads_a_refused_batch_in_the_ErrorResponse_form_as_InvalidChangeBatchException()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        using var client = s.Client();

        var ex = await Assert.ThrowsAsync<InvalidChangeBatchException>(() => client.ChangeResourceRecordSetsAsync(zone.Id,
            new[] { new Change(ChangeAction.DELETE, TestServer.A("app.corp.example.", "10.0.0.1")) }));

        Assert.Equal("InvalidChangeBatch", ex.Code);
        Assert.Contains("[name='app.corp.example.', type='A'] but it was not found", string.Join(" ", ex.Messages));
        Assert.NotNull(ex.RequestId);
    }
}
