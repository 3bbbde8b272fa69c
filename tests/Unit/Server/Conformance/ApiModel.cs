using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace SiosRoute53.Tests.Unit.Server.Conformance;

/// <summary>
/// The Route 53 API model (botocore's service-2.json, kept in tests/TestData/route53-api-model): which error codes
/// each operation declares, and a check of a response body against the operation's output shape — element names,
/// required members, list member names and sizes, enums, numbers, booleans and timestamps.
/// </summary>
public sealed class ApiModel
{
    public static ApiModel Route53 { get; } = new(Path.Combine(TestPaths.TestData, "route53-api-model", "service-2.json"));

    /// <summary>
    /// AWS's common errors (API reference, "Common Errors"), which any operation may return besides its own.
    /// </summary>
    public static readonly IReadOnlySet<string> CommonErrors = new HashSet<string>(StringComparer.Ordinal)
    {
        "AccessDenied", "AccessDeniedException", "IncompleteSignature", "InternalFailure", "InvalidAction",
        "InvalidClientTokenId", "InvalidParameterCombination", "InvalidParameterValue", "InvalidQueryParameter",
        "MalformedQueryString", "MissingAction", "MissingAuthenticationToken", "MissingParameter", "NotAuthorized",
        "OptInRequired", "RequestExpired", "ServiceUnavailable", "SignatureDoesNotMatch", "Throttling",
        "ThrottlingException", "ValidationError",
    };

    private readonly JsonElement _operations;
    private readonly JsonElement _shapes;

    private ApiModel(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement.Clone();
        _operations = root.GetProperty("operations");
        _shapes = root.GetProperty("shapes");
    }

    /// <summary>Error shapes (exception: true) in the model.</summary>
    public IEnumerable<string> ErrorShapes =>
        _shapes.EnumerateObject().Where(s => s.Value.TryGetProperty("exception", out var e) && e.GetBoolean()).Select(s => s.Name);

    /// <summary>The error codes an operation declares.</summary>
    public IReadOnlyList<string> ErrorsOf(string operation) =>
        _operations.GetProperty(operation).TryGetProperty("errors", out var errors)
            ? errors.EnumerateArray().Select(e => e.GetProperty("shape").GetString()!).ToList()
            : new List<string>();

    /// <summary>The HTTP status the model gives an error shape.</summary>
    public int StatusOf(string errorShape) =>
        _shapes.GetProperty(errorShape).TryGetProperty("error", out var e) && e.TryGetProperty("httpStatusCode", out var s) ? s.GetInt32() : 400;

    /// <summary>Every way <paramref name="body"/> differs from the operation's output shape; empty when it conforms.</summary>
    public IReadOnlyList<string> CheckOutput(string operation, XDocument body, params string[] allowedMissing)
    {
        var problems = new List<string>();
        string shape = _operations.GetProperty(operation).GetProperty("output").GetProperty("shape").GetString()!;
        if (body.Root is null || body.Root.Name.LocalName != shape)
            problems.Add($"root element is {body.Root?.Name.LocalName ?? "(none)"}, the model's is {shape}");
        else
            Check(body.Root, shape, shape, problems, allowedMissing.ToHashSet(StringComparer.Ordinal));
        return problems;
    }

    private void Check(XElement e, string shapeName, string path, List<string> problems, HashSet<string> allowedMissing)
    {
        var shape = _shapes.GetProperty(shapeName);
        string type = shape.GetProperty("type").GetString()!;
        switch (type)
        {
            case "structure":
                var members = shape.GetProperty("members").EnumerateObject()
                    .Where(m => !m.Value.TryGetProperty("location", out _))
                    .ToDictionary(m => m.Value.TryGetProperty("locationName", out var ln) ? ln.GetString()! : m.Name, m => m.Value.GetProperty("shape").GetString()!);
                foreach (var child in e.Elements())
                {
                    if (child.Name.Namespace != e.Name.Namespace) problems.Add($"{path}/{child.Name.LocalName} is in namespace '{child.Name.Namespace}'");
                    if (members.TryGetValue(child.Name.LocalName, out var memberShape)) Check(child, memberShape, $"{path}/{child.Name.LocalName}", problems, allowedMissing);
                    else problems.Add($"{path}/{child.Name.LocalName} is not a member of {shapeName}");
                }
                if (shape.TryGetProperty("required", out var required))
                    foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                        if (members.ContainsKey(name) && e.Element(e.Name.Namespace + name) is null && !allowedMissing.Contains(name))
                            problems.Add($"{path} lacks the required member {name}");
                if (e.Elements().GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1) is { } repeated)
                    problems.Add($"{path}/{repeated.Key.LocalName} appears {repeated.Count()} times");
                break;
            case "list":
                var member = shape.GetProperty("member");
                string itemName = member.TryGetProperty("locationName", out var itemLn) ? itemLn.GetString()! : "member";
                string itemShape = member.GetProperty("shape").GetString()!;
                var items = e.Elements().ToList();
                foreach (var item in items)
                {
                    if (item.Name.LocalName != itemName) problems.Add($"{path}/{item.Name.LocalName} should be {itemName}");
                    else Check(item, itemShape, $"{path}/{itemName}", problems, allowedMissing);
                }
                CheckLength(items.Count, shape, path, problems);
                break;
            case "string":
                if (e.HasElements) problems.Add($"{path} should be text");
                if (shape.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetString() == e.Value))
                    problems.Add($"{path} '{e.Value}' is not one of {shapeName}'s values");
                // No length check: the model's lengths are for input (Route 53 answers "/hostedzone/" + a 21-character id
                // where the model's ResourceId allows 32 characters).
                break;
            case "long" or "integer":
                if (!long.TryParse(e.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) problems.Add($"{path} '{e.Value}' is not a whole number");
                else CheckRange(n, shape, path, problems);
                break;
            case "double":
                if (!double.TryParse(e.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) problems.Add($"{path} '{e.Value}' is not a number");
                break;
            case "boolean":
                if (e.Value is not ("true" or "false")) problems.Add($"{path} '{e.Value}' is not true or false");
                break;
            case "timestamp":
                if (!DateTimeOffset.TryParse(e.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)) problems.Add($"{path} '{e.Value}' is not an ISO 8601 time");
                break;
        }
    }

    private static void CheckLength(int length, JsonElement shape, string path, List<string> problems)
    {
        if (shape.TryGetProperty("min", out var min) && length < min.GetInt64()) problems.Add($"{path} has length {length}, below the model's minimum {min}");
        if (shape.TryGetProperty("max", out var max) && length > max.GetInt64()) problems.Add($"{path} has length {length}, above the model's maximum {max}");
    }

    private static void CheckRange(long value, JsonElement shape, string path, List<string> problems)
    {
        if (shape.TryGetProperty("min", out var min) && value < min.GetInt64()) problems.Add($"{path} is {value}, below the model's minimum {min}");
        if (shape.TryGetProperty("max", out var max) && value > max.GetInt64()) problems.Add($"{path} is {value}, above the model's maximum {max}");
    }
}
