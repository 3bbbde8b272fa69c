using System.Net;

namespace SiosRoute53.Route53;

/// <summary>
/// A Route 53 call failed. <see cref="Code"/> is AWS's error code (or "Transport" / "Timeout" when no answer came);
/// the message names the operation, AWS's message and the request id, never a credential.
/// </summary>
public class Route53Exception : Exception
{
    public Route53Exception(string operation, string code, string awsMessage, string? requestId, HttpStatusCode? status, Exception? inner = null)
        : base(Compose(operation, code, awsMessage, requestId), inner)
    {
        Operation = operation;
        Code = code;
        AwsMessage = awsMessage;
        RequestId = requestId;
        StatusCode = status;
    }

    public string Operation { get; }
    public string Code { get; }
    public string AwsMessage { get; }
    public string? RequestId { get; }
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Worth another attempt after a pause: throttling, a busy zone, a server fault, no answer.</summary>
    public virtual bool IsRetryable => false;

    private static string Compose(string operation, string code, string message, string? requestId) =>
        $"Route 53 {operation} failed: {code}: {message}" + (requestId is null ? "" : $" (request id {requestId})");

    /// <summary>Maps an AWS error code to its exception type.</summary>
    public static Route53Exception FromError(string operation, string code, string message, IReadOnlyList<string> messages, string? requestId, HttpStatusCode status) =>
        code switch
        {
            "InvalidChangeBatch" => new InvalidChangeBatchException(operation, message, messages, requestId, status),
            "NoSuchHostedZone" => new NoSuchHostedZoneException(operation, message, requestId, status),
            "NoSuchChange" => new NoSuchChangeException(operation, message, requestId, status),
            "InvalidInput" or "InvalidDomainName" or "InvalidArgument" => new InvalidInputException(operation, code, message, requestId, status),
            "Throttling" or "ThrottlingException" or "RequestLimitExceeded" => new ThrottlingException(operation, code, message, requestId, status),
            "PriorRequestNotComplete" => new PriorRequestNotCompleteException(operation, message, requestId, status),
            "AccessDenied" or "AccessDeniedException" or "InvalidClientTokenId" or "UnrecognizedClientException" or "ExpiredToken"
                => new AccessDeniedException(operation, code, message, requestId, status),
            "SignatureDoesNotMatch" or "IncompleteSignature" or "MissingAuthenticationToken" or "RequestExpired"
                => new SignatureDoesNotMatchException(operation, code, message, requestId, status),
            _ when (int)status >= 500 => new Route53ServerErrorException(operation, code, message, requestId, status),
            _ => new Route53Exception(operation, code, message, requestId, status),
        };
}

/// <summary>The change batch was rejected as a whole; <see cref="Messages"/> lists every reason Route 53 gave.</summary>
public sealed class InvalidChangeBatchException(string operation, string message, IReadOnlyList<string> messages, string? requestId, HttpStatusCode status)
    : Route53Exception(operation, "InvalidChangeBatch", message, requestId, status)
{
    public IReadOnlyList<string> Messages { get; } = messages;
}

public sealed class NoSuchHostedZoneException(string operation, string message, string? requestId, HttpStatusCode status)
    : Route53Exception(operation, "NoSuchHostedZone", message, requestId, status);

public sealed class NoSuchChangeException(string operation, string message, string? requestId, HttpStatusCode status)
    : Route53Exception(operation, "NoSuchChange", message, requestId, status);

public sealed class InvalidInputException(string operation, string code, string message, string? requestId, HttpStatusCode status)
    : Route53Exception(operation, code, message, requestId, status);

public sealed class ThrottlingException(string operation, string code, string message, string? requestId, HttpStatusCode status)
    : Route53Exception(operation, code, message, requestId, status)
{
    public override bool IsRetryable => true;
}

public sealed class PriorRequestNotCompleteException(string operation, string message, string? requestId, HttpStatusCode status)
    : Route53Exception(operation, "PriorRequestNotComplete", message, requestId, status)
{
    public override bool IsRetryable => true;
}

public sealed class AccessDeniedException(string operation, string code, string message, string? requestId, HttpStatusCode status)
    : Route53Exception(operation, code, message, requestId, status);

public sealed class SignatureDoesNotMatchException(string operation, string code, string message, string? requestId, HttpStatusCode status)
    : Route53Exception(operation, code, message, requestId, status);

public sealed class Route53ServerErrorException(string operation, string code, string message, string? requestId, HttpStatusCode status)
    : Route53Exception(operation, code, message, requestId, status)
{
    public override bool IsRetryable => true;
}

/// <summary>No usable answer: connection refused or dropped, DNS failure, a timeout, a body that is not Route 53's XML.</summary>
public sealed class Route53TransportException(string operation, string code, string message, Exception? inner)
    : Route53Exception(operation, code, message, null, null, inner)
{
    public override bool IsRetryable => true;
}
