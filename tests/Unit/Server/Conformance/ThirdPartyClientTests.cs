using System.Text.Json;

namespace SiosRoute53.Tests.Unit.Server.Conformance;

/// <summary>
/// The same rules seen through clients nobody here wrote (Debian's boto3 and AWS CLI, botocore underneath): the
/// error code of a refused batch (API reference, Errors), alias, weighted and escaped wildcard records
/// (ResourceRecordSet, DNS domain name format), a private zone only with a VPC (CreateHostedZone).
/// </summary>
public class ThirdPartyClientTests
{
    private const string Boto3Script = """
        import json, sys
        import boto3
        from botocore.exceptions import ClientError
        endpoint, zone = sys.argv[1], sys.argv[2]
        r53 = boto3.client('route53', endpoint_url=endpoint, region_name='us-east-1')
        out = {}
        def a(name, value, **extra):
            return dict(Name=name, Type='A', TTL=60, ResourceRecords=[{'Value': value}], **extra)
        try:
            r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={'Changes': [
                {'Action': 'DELETE', 'ResourceRecordSet': a('missing.corp.example', '10.0.0.1')}]})
        except ClientError as e:
            out['refused'] = e.response['Error']
            out['refusedText'] = str(e)
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={'Changes': [
            {'Action': 'CREATE', 'ResourceRecordSet': a('node.corp.example', '10.0.1.10')},
            {'Action': 'CREATE', 'ResourceRecordSet': {'Name': 'app.corp.example', 'Type': 'A',
                'AliasTarget': {'HostedZoneId': zone, 'DNSName': 'node.corp.example', 'EvaluateTargetHealth': False}}},
            {'Action': 'CREATE', 'ResourceRecordSet': a('w.corp.example', '10.0.0.1', SetIdentifier='blue', Weight=70)},
            {'Action': 'CREATE', 'ResourceRecordSet': a('*.corp.example', '10.0.0.9')}]})
        pages = r53.get_paginator('list_resource_record_sets').paginate(HostedZoneId=zone, PaginationConfig={'PageSize': 2})
        out['sets'] = [s for p in pages for s in p['ResourceRecordSets']]
        try:
            r53.create_hosted_zone(Name='private.example', CallerReference='p1', HostedZoneConfig={'PrivateZone': True})
        except ClientError as e:
            out['privateWithoutVpc'] = e.response['Error']['Code']
        z = r53.create_hosted_zone(Name='private.example', CallerReference='p2',
                                   VPC={'VPCRegion': 'us-east-1', 'VPCId': 'vpc-0123456789abcdef0'})
        out['private'] = {'location': z['Location'], 'vpc': z.get('VPC'), 'hasDelegationSet': 'DelegationSet' in z,
                          'private': z['HostedZone']['Config']['PrivateZone']}
        print(json.dumps(out, default=str))
        """;

    [SkippableFact]
    public async Task Boto3_reads_the_refused_batchs_code_alias_weighted_and_escaped_records_and_a_private_zones_VPC()
    {
        string? missing = await DebianAwsTools.MissingAsync();
        Skip.If(missing is not null, missing);
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();

        var (code, output, error) = await DebianAwsTools.RunAsync(DebianAwsTools.Python, new[] { "-", s.Server.Endpoint.ToString(), zone.ShortId },
            DebianAwsTools.Clean(), TimeSpan.FromMinutes(2), Boto3Script);

        Assert.True(code == 0, $"boto3 failed ({code}): {error}");
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.Equal("InvalidChangeBatch", r.GetProperty("refused").GetProperty("Code").GetString());
        Assert.StartsWith("[Tried to delete resource record set [name='missing.corp.example.', type='A']", r.GetProperty("refused").GetProperty("Message").GetString());
        Assert.Contains("An error occurred (InvalidChangeBatch) when calling the ChangeResourceRecordSets operation", r.GetProperty("refusedText").GetString());

        var sets = r.GetProperty("sets").EnumerateArray().ToList();
        Assert.Equal(new[] { "corp.example.", "corp.example.", "\\052.corp.example.", "app.corp.example.", "node.corp.example.", "w.corp.example." },
            sets.Select(x => x.GetProperty("Name").GetString()));
        var alias = sets.Single(x => x.GetProperty("Name").GetString() == "app.corp.example.").GetProperty("AliasTarget");
        Assert.Equal("node.corp.example.", alias.GetProperty("DNSName").GetString());
        Assert.False(alias.GetProperty("EvaluateTargetHealth").GetBoolean());
        var weighted = sets.Single(x => x.GetProperty("Name").GetString() == "w.corp.example.");
        Assert.Equal(("blue", 70), (weighted.GetProperty("SetIdentifier").GetString(), weighted.GetProperty("Weight").GetInt32()));

        Assert.Equal("InvalidInput", r.GetProperty("privateWithoutVpc").GetString());
        var created = r.GetProperty("private");
        Assert.True(created.GetProperty("private").GetBoolean());
        Assert.False(created.GetProperty("hasDelegationSet").GetBoolean());
        Assert.Equal("vpc-0123456789abcdef0", created.GetProperty("vpc").GetProperty("VPCId").GetString());
        Assert.StartsWith(s.Server.Endpoint.GetLeftPart(UriPartial.Authority) + "/2013-04-01/hostedzone/Z", created.GetProperty("location").GetString());
    }

    [SkippableFact]
    public async Task The_AWS_CLI_names_InvalidChangeBatch_for_a_refused_batch_where_it_showed_an_empty_code()
    {
        string? missing = await DebianAwsTools.MissingAsync();
        Skip.If(missing is not null, missing);
        await using var s = await TestServer.StartAsync();
        var zone = await s.CreateZoneAsync();

        var (code, _, error) = await DebianAwsTools.RunAsync(DebianAwsTools.Aws, new[]
        {
            "route53", "change-resource-record-sets", "--endpoint-url", s.Server.Endpoint.ToString(), "--hosted-zone-id", zone.ShortId,
            "--change-batch", """{"Changes":[{"Action":"CREATE","ResourceRecordSet":{"Name":"app.other.example","Type":"A","TTL":60,"ResourceRecords":[{"Value":"10.0.0.1"}]}}]}""",
        }, DebianAwsTools.Clean(), TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, code);
        Assert.Contains("An error occurred (InvalidChangeBatch) when calling the ChangeResourceRecordSets operation: " +
                        "[RRSet with DNS name app.other.example. is not permitted in zone corp.example.]", error);
    }
}
