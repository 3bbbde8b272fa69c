using System.Net;

namespace SiosRoute53.Route53Server;

/// <summary>
/// Every error code the server answers with. The Route 53 ones are error shapes of the API model; the others are
/// AWS's common errors (authentication, throttling, service faults) that every AWS API can return.
/// </summary>
public static class ErrorCodes
{
    // Route 53's own (API model error shapes).
    public const string InvalidChangeBatch = nameof(InvalidChangeBatch);
    public const string InvalidInput = nameof(InvalidInput);
    public const string InvalidDomainName = nameof(InvalidDomainName);
    public const string InvalidVPCId = nameof(InvalidVPCId);
    public const string NoSuchHostedZone = nameof(NoSuchHostedZone);
    public const string NoSuchChange = nameof(NoSuchChange);
    public const string HostedZoneAlreadyExists = nameof(HostedZoneAlreadyExists);
    public const string HostedZoneNotEmpty = nameof(HostedZoneNotEmpty);
    public const string PriorRequestNotComplete = nameof(PriorRequestNotComplete);

    // AWS's common errors.
    public const string Throttling = nameof(Throttling);
    public const string ServiceUnavailable = nameof(ServiceUnavailable);
    public const string InternalFailure = nameof(InternalFailure);
    public const string MissingAuthenticationToken = nameof(MissingAuthenticationToken);
    public const string IncompleteSignature = nameof(IncompleteSignature);
    public const string InvalidClientTokenId = nameof(InvalidClientTokenId);
    public const string SignatureDoesNotMatch = nameof(SignatureDoesNotMatch);
    public const string AccessDenied = nameof(AccessDenied);
    public const string InvalidAction = nameof(InvalidAction);
    public const string MissingParameter = nameof(MissingParameter);
}

/// <summary>A Route 53 API error the server answers with, in Route 53's ErrorResponse form.</summary>
public sealed class ApiError : Exception
{
    public ApiError(HttpStatusCode status, string code, string message) : base(message)
    {
        Status = status;
        Code = code;
    }

    public HttpStatusCode Status { get; }
    public string Code { get; }

    /// <summary>A refused change batch: every reason, joined in brackets as Route 53 sends them ("[msg1, msg2]").</summary>
    public static ApiError InvalidChangeBatch(IReadOnlyList<string> messages) =>
        new(HttpStatusCode.BadRequest, ErrorCodes.InvalidChangeBatch, "[" + string.Join(", ", messages) + "]");
}
