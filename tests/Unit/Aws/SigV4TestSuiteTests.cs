using System.Text.Json;
using SiosRoute53.Aws;

namespace SiosRoute53.Tests.Unit.Aws;

/// <summary>AWS's Signature Version 4 test vectors, header-signing form, kept in tests/TestData (Apache-2.0, see its NOTICE).</summary>
public class SigV4TestSuiteTests
{
    public static string SuiteDirectory => Path.Combine(TestPaths.TestData, "aws-sigv4-test-suite", "v4");

    public static IEnumerable<object[]> Cases() =>
        Directory.GetDirectories(SuiteDirectory).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).Select(n => new object[] { n! });

    [Fact]
    public void The_suite_is_present_and_every_case_has_header_vectors()
    {
        var cases = Cases().ToList();
        Assert.True(cases.Count >= 30, $"expected the AWS suite under {SuiteDirectory}");
        foreach (var c in cases)
            Assert.True(File.Exists(Path.Combine(SuiteDirectory, (string)c[0], "header-signature.txt")), $"{c[0]} has no header vectors");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reproduces_the_header_signing_vector(string name)
    {
        string dir = Path.Combine(SuiteDirectory, name);
        var context = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "context.json"))).RootElement;
        var creds = context.GetProperty("credentials");
        var keys = new AwsKeys(creds.GetProperty("access_key_id").GetString()!, creds.GetProperty("secret_access_key").GetString()!,
            creds.TryGetProperty("token", out var token) ? token.GetString() : null);
        var options = new SigningOptions
        {
            NormalizePath = context.GetProperty("normalize").GetBoolean(),
            SignBodyHeader = context.GetProperty("sign_body").GetBoolean(),
            OmitSessionTokenFromSignature = context.TryGetProperty("omit_session_token", out var omit) && omit.GetBoolean(),
        };
        var request = ParseRequest(File.ReadAllText(Path.Combine(dir, "request.txt")));

        var result = SigV4Signer.Sign(request, keys, context.GetProperty("region").GetString()!, context.GetProperty("service").GetString()!,
            DateTimeOffset.Parse(context.GetProperty("timestamp").GetString()!), options);

        Assert.Equal(Read(dir, "header-canonical-request.txt"), result.CanonicalRequest);
        Assert.Equal(Read(dir, "header-string-to-sign.txt"), result.StringToSign);
        Assert.Equal(Read(dir, "header-signature.txt"), result.Signature);
        string expectedAuthorization = Read(dir, "header-signed-request.txt").Split('\n')
            .Single(l => l.StartsWith("Authorization:", StringComparison.Ordinal))["Authorization:".Length..];
        Assert.Equal(expectedAuthorization, result.Authorization);
    }

    private static string Read(string dir, string file) => File.ReadAllText(Path.Combine(dir, file)).Replace("\r\n", "\n");

    /// <summary>request.txt: "METHOD target HTTP/1.1", header lines (indented lines continue the previous one), blank line, body.</summary>
    internal static SigningRequest ParseRequest(string text)
    {
        text = text.Replace("\r\n", "\n");
        int blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        string head = blank < 0 ? text : text[..blank];
        string body = blank < 0 ? "" : text[(blank + 2)..];
        var lines = head.Split('\n');
        string requestLine = lines[0];
        string method = requestLine[..requestLine.IndexOf(' ')];
        string target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        int q = target.IndexOf('?');
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]) && headers.Count > 0)
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + "\n" + line);
                continue;
            }
            if (line.Length == 0) continue;
            int colon = line.IndexOf(':');
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }
        return new SigningRequest
        {
            Method = method,
            Path = q < 0 ? target : target[..q],
            Query = q < 0 ? "" : target[(q + 1)..],
            Headers = headers,
            Body = System.Text.Encoding.UTF8.GetBytes(body),
        };
    }
}
