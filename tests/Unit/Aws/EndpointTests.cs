using SiosRoute53.Aws;
using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Aws;

/// <summary>
/// Which endpoint Route 53 calls go to: our own -EndpointUrl / ROUTE53_ENDPOINT_URL first, then the AWS SDKs' configured
/// endpoints (AWS_ENDPOINT_URL_ROUTE_53, then AWS_ENDPOINT_URL; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns them off),
/// then Route 53 itself, as the AWS SDKs and Tools reference guide ("Service-specific endpoints") describes.
/// </summary>
public class EndpointTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => v.Value);
        return key => map.GetValueOrDefault(key);
    }

    private static readonly Uri Ours = new("http://10.9.9.9:8053");

    public static TheoryData<string?, string?, string?, string?, string, string> Precedence => new()
    {
        // configured, AWS_ENDPOINT_URL_ROUTE_53, AWS_ENDPOINT_URL, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, expected, source
        { "http://10.9.9.9:8053/", "http://127.0.0.1:1001", "http://127.0.0.1:1002", null, "http://10.9.9.9:8053/", "-EndpointUrl or ROUTE53_ENDPOINT_URL" },
        { null, "http://127.0.0.1:1001", "http://127.0.0.1:1002", null, "http://127.0.0.1:1001/", "AWS_ENDPOINT_URL_ROUTE_53" },
        { null, null, "http://127.0.0.1:1002", null, "http://127.0.0.1:1002/", "AWS_ENDPOINT_URL" },
        { null, " ", "http://127.0.0.1:1002", null, "http://127.0.0.1:1002/", "AWS_ENDPOINT_URL" },
        { null, "http://127.0.0.1:1001", "http://127.0.0.1:1002", "true", "https://route53.amazonaws.com/", "the AWS default" },
        { "http://10.9.9.9:8053/", null, null, "true", "http://10.9.9.9:8053/", "-EndpointUrl or ROUTE53_ENDPOINT_URL" },
        { null, null, null, null, "https://route53.amazonaws.com/", "the AWS default" },
    };

    [Theory]
    [MemberData(nameof(Precedence))]
    public void Our_endpoint_settings_come_first_then_the_service_variable_then_the_global_one(
        string? configured, string? service, string? global, string? ignore, string expected, string source)
    {
        var values = new List<(string, string)>();
        if (service is not null) values.Add((AwsEndpoints.Route53Variable, service));
        if (global is not null) values.Add((AwsEndpoints.GlobalVariable, global));
        if (ignore is not null) values.Add((AwsEndpoints.IgnoreVariable, ignore));
        var resolved = AwsEndpoints.Route53(configured is null ? null : new Uri(configured), Env(values.ToArray()));
        Assert.Equal(expected, resolved.Url.ToString());
        Assert.Equal(source, resolved.Source);
    }

    [Fact]
    public void The_variable_names_are_the_ones_AWS_documents()
    {
        // AWS SDKs and Tools reference guide, "Identifiers for service-specific endpoints": service id "Route 53".
        Assert.Equal("AWS_ENDPOINT_URL_ROUTE_53", AwsEndpoints.Route53Variable);
        Assert.Equal("AWS_ENDPOINT_URL", AwsEndpoints.GlobalVariable);
        Assert.Equal("AWS_ENDPOINT_URL_STS", AwsEndpoints.StsVariable);
        Assert.Equal("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", AwsEndpoints.IgnoreVariable);
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL_ROUTE_53", "127.0.0.1:8053")]
    [InlineData("AWS_ENDPOINT_URL", "ftp://127.0.0.1")]
    public void A_variable_that_is_not_a_URL_is_an_error_naming_it(string variable, string value)
    {
        var e = Assert.Throws<AwsConfigurationException>(() => AwsEndpoints.Route53(null, Env((variable, value))));
        Assert.Contains(variable, e.Message);
        Assert.Contains(value, e.Message);
    }
}

/// <summary>The variables from the real process environment, end to end against the Route 53-compatible server.</summary>
[Collection("process environment")]
public class EndpointEnvironmentTests
{
    private static async Task<T> WithEnvironmentAsync<T>(Dictionary<string, string?> values, Func<Task<T>> body)
    {
        var saved = values.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (k, v) in values) Environment.SetEnvironmentVariable(k, v);
        try { return await body(); }
        finally { foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v); }
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL_ROUTE_53")]
    [InlineData("AWS_ENDPOINT_URL")]
    public async Task A_client_without_an_endpoint_of_its_own_follows_the_AWS_variables(string variable)
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        var log = new List<string>();
        var zones = await WithEnvironmentAsync(new() { [variable] = s.Server.Endpoint.ToString(), [AwsEndpoints.IgnoreVariable] = null }, async () =>
        {
            var options = Route53ClientOptions.From(new AwsAccessOptions(), log.Add) with { RequestsPerSecond = 0 };
            using var client = new Route53Client(new StaticCredentialSource(new AwsKeys(TestServer.AccessKey, TestServer.SecretKey)), options);
            return await client.ListAllHostedZonesAsync();
        });
        Assert.Contains(zones, z => z.ShortId == zone.ShortId);
        Assert.Contains(log, l => l.Contains(variable) && l.Contains(s.Server.Endpoint.Authority));
    }

    [Fact]
    public async Task AssumeRole_follows_AWS_ENDPOINT_URL_when_no_STS_endpoint_is_set()
    {
        await using var s = await TestServer.StartAsync();
        const string role = "arn:aws:iam::123456789012:role/siosroute53";
        s.Server.Authenticator.AddRole(role);
        var keys = await WithEnvironmentAsync(new()
        {
            ["AWS_ACCESS_KEY_ID"] = TestServer.AccessKey,
            ["AWS_SECRET_ACCESS_KEY"] = TestServer.SecretKey,
            ["AWS_SESSION_TOKEN"] = null,
            ["AWS_PROFILE"] = null,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_REGION"] = "us-east-1",
            [AwsEndpoints.StsVariable] = null,
            [AwsEndpoints.GlobalVariable] = s.Server.Endpoint.ToString().TrimEnd('/'),
        }, () => AwsSdkCredentialSource.From(new AwsAccessOptions { RoleArn = role }).GetKeysAsync(default));
        Assert.StartsWith("ASIA", keys.AccessKeyId);
        Assert.Equal(1, s.Server.CallsByOperation.GetValueOrDefault("sts:AssumeRole"));
    }
}
