using System.Net;
using System.Xml.Linq;
using SiosRoute53.Ocf;

namespace SiosRoute53.Tests.Unit.Ocf;

/// <summary>Parameters as Pacemaker passes them (OCF_RESKEY_*), and the meta-data that describes them.</summary>
public class AgentParameterTests
{
    private static Dictionary<string, string> Env(params (string Key, string Value)[] values)
    {
        var env = new Dictionary<string, string> { ["OCF_RESKEY_hostedzoneid"] = "Z0123456789ABC", ["OCF_RESKEY_fullname"] = "app.corp.example" };
        foreach (var (k, v) in values) env["OCF_RESKEY_" + k] = v;
        return env;
    }

    [Fact]
    public void An_aws_vpc_route53_configuration_parses_with_its_defaults()
    {
        var s = AgentSettings.Parse(Env(("hostedzoneid", "/hostedzone/Z0123456789ABC"), ("fullname", "App.Corp.Example."), ("profile", "cluster"), ("awscli", "/usr/local/bin/aws")));
        Assert.Equal("Z0123456789ABC", s.HostedZoneId);
        Assert.Equal("app.corp.example.", s.RecordName);
        Assert.Equal(new AddressSource.Metadata("local-ipv4"), s.Address);
        Assert.Equal(10, s.Ttl);
        Assert.Equal("cluster", s.Access.ProfileName);
        Assert.False(s.Adopt);
        Assert.Equal("/etc/default/SiosRoute53", s.TunablesPath);
    }

    [Fact]
    public void The_default_profile_and_auth_type_role_use_the_standard_credential_chain()
    {
        Assert.Null(AgentSettings.Parse(Env()).Access.ProfileName);
        Assert.Null(AgentSettings.Parse(Env(("profile", "cluster"), ("auth_type", "role"))).Access.ProfileName);
    }

    [Fact]
    public void Our_parameters_reach_the_access_options()
    {
        var s = AgentSettings.Parse(Env(("endpoint_url", "https://vpce-1.route53.us-east-1.vpce.amazonaws.com"), ("role_arn", "arn:aws:iam::123456789012:role/r53"),
            ("external_id", "x-1"), ("region", "cn-north-1"), ("adopt", "true"), ("cluster", "prod"), ("tunables", "/etc/siosr53"), ("ttl", "60")));
        Assert.Equal(new Uri("https://vpce-1.route53.us-east-1.vpce.amazonaws.com"), s.Access.EndpointUrl);
        Assert.Equal("arn:aws:iam::123456789012:role/r53", s.Access.RoleArn);
        Assert.Equal("x-1", s.Access.ExternalId);
        Assert.Equal("cn-north-1", s.Access.Region);
        Assert.True(s.Adopt);
        Assert.Equal("prod", s.Cluster);
        Assert.Equal("/etc/siosr53", s.TunablesPath);
        Assert.Equal(60, s.Ttl);
    }

    [Fact]
    public void A_per_node_map_gives_each_node_its_own_address()
    {
        var s = AgentSettings.Parse(Env(("ip", "node1=10.0.1.10, node2=10.0.2.10")));
        Assert.Equal(IPAddress.Parse("10.0.1.10"), s.FixedAddressFor("node1"));
        Assert.Equal(IPAddress.Parse("10.0.2.10"), s.FixedAddressFor("NODE2"));
        var missing = Assert.Throws<AgentParameterException>(() => s.FixedAddressFor("node3"));
        Assert.Equal(OcfExitCode.ErrArgs, missing.ExitCode); // wrong on this node only: Pacemaker bans the node, not the resource
        Assert.Contains("node3", missing.Message);
    }

    [Fact]
    public void A_fixed_address_is_the_same_on_every_node_and_public_asks_instance_metadata()
    {
        Assert.Equal(IPAddress.Parse("10.0.0.1"), AgentSettings.Parse(Env(("ip", "10.0.0.1"))).FixedAddressFor("any"));
        var s = AgentSettings.Parse(Env(("ip", "public")));
        Assert.Equal(new AddressSource.Metadata("public-ipv4"), s.Address);
        Assert.Null(s.FixedAddressFor("any"));
    }

    [Theory]
    [InlineData("fullname", "", "required")]
    [InlineData("hostedzoneid", "", "required")]
    [InlineData("hostedzoneid", "Z01 23", "not a hosted zone ID")]
    [InlineData("fullname", "app..corp.example", "empty label")]
    [InlineData("ip", "10.0.0", "not an IPv4 address")]
    [InlineData("ip", "fe80::1", "not an IPv4 address")]
    [InlineData("ip", "node1=10.0.1.10,node1=10.0.1.11", "twice")]
    [InlineData("ip", "node1=10.0.1.10,=10.0.2.10", "not node=address")]
    [InlineData("ttl", "-1", "0 to 86400")]
    [InlineData("ttl", "ten", "0 to 86400")]
    [InlineData("auth_type", "password", "'key'")]
    [InlineData("endpoint_url", "ftp://example", "http or https")]
    [InlineData("role_arn", "r53-role", "not an ARN")]
    [InlineData("adopt", "maybe", "boolean")]
    [InlineData("cluster", "my cluster", "single word")]
    public void A_bad_parameter_is_a_configuration_error_naming_the_value(string name, string value, string expected)
    {
        var e = Assert.Throws<AgentParameterException>(() => AgentSettings.Parse(Env((name, value))));
        Assert.Equal(OcfExitCode.ErrConfigured, e.ExitCode);
        Assert.Contains(expected, e.Message);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void An_external_id_without_a_role_is_refused()
    {
        var e = Assert.Throws<AgentParameterException>(() => AgentSettings.Parse(Env(("external_id", "x"))));
        Assert.Contains("role_arn", e.Message);
    }

    [Fact]
    public void Meta_data_is_well_formed_and_describes_every_parameter_with_its_default()
    {
        var doc = XDocument.Parse(MetaData.Xml("1.2.3"));
        var agent = doc.Root!;
        Assert.Equal("resource-agent", agent.Name.LocalName);
        Assert.Equal("route53", (string?)agent.Attribute("name"));
        Assert.Equal("1.1", (string?)agent.Element("version"));
        Assert.Equal("ra-api-1.dtd", doc.DocumentType?.SystemId);
        Assert.False(string.IsNullOrWhiteSpace((string?)agent.Element("longdesc")));
        Assert.False(string.IsNullOrWhiteSpace((string?)agent.Element("shortdesc")));
        var parameters = agent.Element("parameters")!.Elements("parameter").ToDictionary(p => (string)p.Attribute("name")!);
        Assert.Equal(AgentParameter.All.Select(p => p.Name).Order(), parameters.Keys.Order());
        foreach (var p in AgentParameter.All)
        {
            var e = parameters[p.Name];
            Assert.False(string.IsNullOrWhiteSpace((string?)e.Element("longdesc")), p.Name);
            Assert.False(string.IsNullOrWhiteSpace((string?)e.Element("shortdesc")), p.Name);
            Assert.Equal(p.Type, (string?)e.Element("content")!.Attribute("type"));
            Assert.Equal(p.Default, (string?)e.Element("content")!.Attribute("default"));
            Assert.Equal(p.Required ? "1" : "0", (string?)e.Attribute("required"));
        }
    }

    [Fact]
    public void Meta_data_keeps_aws_vpc_route53s_parameter_names_and_defaults()
    {
        var parameters = XDocument.Parse(MetaData.Xml("1.0.0")).Root!.Element("parameters")!.Elements("parameter")
            .ToDictionary(p => (string)p.Attribute("name")!, p => (string?)p.Element("content")!.Attribute("default"));
        Assert.Equal("local", parameters["ip"]);
        Assert.Equal("10", parameters["ttl"]);
        Assert.Equal("default", parameters["profile"]);
        Assert.Equal("key", parameters["auth_type"]);
        Assert.Equal("/usr/bin/aws", parameters["awscli"]);
        Assert.Contains("hostedzoneid", parameters.Keys);
        Assert.Contains("fullname", parameters.Keys);
        Assert.Contains("region", parameters.Keys);
    }

    [Fact]
    public void Meta_data_suggests_a_timeout_for_every_action_and_a_monitor_interval()
    {
        var actions = XDocument.Parse(MetaData.Xml("1.0.0")).Root!.Element("actions")!.Elements("action").ToDictionary(a => (string)a.Attribute("name")!);
        Assert.Equal(new[] { "meta-data", "monitor", "start", "stop", "validate-all" }, actions.Keys.Order());
        Assert.All(actions.Values, a => Assert.EndsWith("s", (string)a.Attribute("timeout")!));
        Assert.NotNull(actions["monitor"].Attribute("interval"));
    }
}
