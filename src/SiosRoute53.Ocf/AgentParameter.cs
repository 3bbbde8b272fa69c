namespace SiosRoute53.Ocf;

/// <summary>One parameter of the agent, as meta-data describes it and as the agent reads it (OCF_RESKEY_&lt;name&gt;).</summary>
public sealed record AgentParameter(string Name, string Type, string? Default, bool Required, string ShortDesc, string LongDesc, bool Unique = false)
{
    /// <summary>
    /// Every parameter, in the order meta-data lists them: first those of ocf:heartbeat:aws-vpc-route53, with its names
    /// and defaults so a CIB written for it works unchanged, then ours.
    /// </summary>
    public static readonly IReadOnlyList<AgentParameter> All = new AgentParameter[]
    {
        new("hostedzoneid", "string", null, true, "Route 53 hosted zone ID",
            "The ID of the hosted zone that holds the record, e.g. Z0123456789ABCDEFGHIJ (a /hostedzone/ prefix is accepted). Private zones are supported."),
        new("fullname", "string", null, true, "Record name (FQDN)",
            "The A record that follows the resource, e.g. service.cloud.example.corp. (the trailing dot is optional). " +
            "It must lie inside the hosted zone. Its ownership mark is the TXT record _siosroute53.<fullname>, changed in the same batch.",
            Unique: true),
        new("ip", "string", "local", false, "Address this node puts in the record",
            "'local' (default): this instance's private IPv4 address, from the instance metadata service (IMDSv2); " +
            "'public': its public IPv4 address from the same service; an IPv4 address; or a per-node map of addresses for the real-IP " +
            "configuration, each node its own ENI address: 'node1=10.0.1.10,node2=10.0.2.10' (node names as 'crm_node -n' prints them)."),
        new("ttl", "integer", "10", false, "Record TTL (seconds)",
            "Time to live of the A record and its ownership mark, 0-86400 seconds. Clients may keep answering with the old address for this long after a move."),
        new("profile", "string", "default", false, "AWS profile (auth_type=key)",
            "A profile in the shared AWS credentials and config files (root's ~/.aws). 'default' uses the standard credential chain " +
            "(environment, the default profile, the instance role), as the AWS CLI does. Ignored with auth_type=role."),
        new("auth_type", "string", "key", false, "How the agent authenticates: key or role",
            "'key': credentials from the AWS profile named by 'profile'; 'role': the instance role (instance metadata) through the default credential chain, ignoring 'profile'."),
        new("region", "string", "", false, "AWS region used for signing",
            "Route 53 is a global service signed in us-east-1; give another region only for a Route 53 endpoint that signs in it (e.g. the China regions). Empty: us-east-1."),
        new("awscli", "string", "/usr/bin/aws", false, "Accepted for compatibility; not used",
            "Path of the AWS CLI for ocf:heartbeat:aws-vpc-route53. This agent does not run the AWS CLI: it talks to Route 53 itself. The value is accepted so an existing CIB keeps working."),
        new("curl_retries", "integer", "3", false, "Instance metadata attempts",
            "How many times the instance metadata service is asked for this node's address (ip=local or public) before the action fails."),
        new("curl_sleep", "integer", "1", false, "Pause between instance metadata attempts (seconds)",
            "Seconds between two attempts to reach the instance metadata service."),
        new("endpoint_url", "string", "", false, "Route 53 endpoint URL",
            "A Route 53 endpoint instead of https://route53.amazonaws.com: an interface VPC endpoint, a proxy, or a Route 53-compatible server for tests. " +
            "Empty: ROUTE53_ENDPOINT_URL from the tunables file, else AWS's endpoint."),
        new("role_arn", "string", "", false, "Role to assume (ARN)",
            "An IAM role assumed through STS with the credentials above, e.g. arn:aws:iam::123456789012:role/route53-failover. Empty: no role."),
        new("external_id", "string", "", false, "External ID for role_arn",
            "The external ID the role's trust policy requires, if any."),
        new("cluster", "string", "", false, "Cluster name in the ownership mark",
            "The cluster named in the record's ownership mark. Empty: totem.cluster_name from /etc/corosync/corosync.conf, else 'pacemaker'. " +
            "Records marked by another cluster are never overwritten unless adopt=true."),
        new("adopt", "boolean", "false", false, "Take over a record this cluster does not own",
            "false (default): start fails, changing nothing, when the A record exists without an ownership mark (made by hand or by aws-vpc-route53) " +
            "or is marked by another cluster. true: such a record is taken over with a compare-and-swap. Set it once when migrating from aws-vpc-route53, then set it back."),
        new("tunables", "string", "/etc/default/SiosRoute53", false, "Tunables file",
            "The KEY=VALUE file with the ROUTE53_* tunables (retries, INSYNC budget, request rate, check timeout). Read at every action; a missing file means the defaults."),
    };

    public static AgentParameter? Find(string name) => All.FirstOrDefault(p => p.Name == name);
}
