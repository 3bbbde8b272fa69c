using SiosRoute53.Aws;
using SiosRoute53.Route53;
using SiosRoute53.Tests.Unit.Server;

namespace SiosRoute53.Tests.Unit.Aws;

/// <summary>
/// -RoleArn end to end: AWSSDK.SecurityToken calls AssumeRole on the Route 53-compatible server (its STS endpoint set
/// with AWS_ENDPOINT_URL_STS), and the temporary keys with their session token then sign Route 53 calls.
/// </summary>
[Collection("process environment")]
public class AssumeRoleTests
{
    private const string Role = "arn:aws:iam::123456789012:role/siosroute53";

    private static async Task<T> WithEnvironmentAsync<T>(Dictionary<string, string?> values, Func<Task<T>> body)
    {
        var saved = values.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (k, v) in values) Environment.SetEnvironmentVariable(k, v);
        try { return await body(); }
        finally { foreach (var (k, v) in saved) Environment.SetEnvironmentVariable(k, v); }
    }

    private static Dictionary<string, string?> Env(TestServer s) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = TestServer.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = TestServer.SecretKey,
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_ENDPOINT_URL_STS"] = s.Server.Endpoint.ToString().TrimEnd('/'),
        ["AWS_REGION"] = "us-east-1",
    };

    [Fact]
    public async Task Assumed_role_keys_sign_route53_calls()
    {
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();
        s.Server.Authenticator.AddRole(Role, externalId: "ext-42");
        var zones = await WithEnvironmentAsync(Env(s), async () =>
        {
            var source = AwsSdkCredentialSource.From(new AwsAccessOptions { RoleArn = Role, ExternalId = "ext-42", RoleSessionName = "unit" });
            var keys = await source.GetKeysAsync(default);
            Assert.StartsWith("ASIA", keys.AccessKeyId);
            Assert.NotNull(keys.SessionToken);
            using var client = new Route53Client(source, new Route53ClientOptions { Endpoint = s.Server.Endpoint, RequestsPerSecond = 0 });
            return await client.ListAllHostedZonesAsync();
        });
        Assert.Contains(zones, z => z.ShortId == zone.ShortId);
        Assert.Equal(1, s.Server.CallsByOperation.GetValueOrDefault("sts:AssumeRole"));
    }

    [Fact]
    public async Task A_wrong_external_id_is_refused_with_the_role_named()
    {
        await using var s = await TestServer.StartAsync();
        s.Server.Authenticator.AddRole(Role, externalId: "ext-42");
        var e = await WithEnvironmentAsync(Env(s), () => Assert.ThrowsAsync<AwsConfigurationException>(() =>
            AwsSdkCredentialSource.From(new AwsAccessOptions { RoleArn = Role, ExternalId = "wrong" }).GetKeysAsync(default)));
        Assert.Contains(Role, e.Message);
        Assert.DoesNotContain(TestServer.SecretKey, e.ToString());
    }
}

[CollectionDefinition("process environment", DisableParallelization = true)]
public class ProcessEnvironmentCollection;
