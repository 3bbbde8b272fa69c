using System.Diagnostics;

namespace SiosRoute53.Tests.Unit.Server.Conformance;

/// <summary>
/// Clients nobody here wrote: Debian's awscli and python3-boto3 (botocore underneath both). A test that needs them
/// asks <see cref="MissingAsync"/>: they are installed once with apt-get when the tests run as root, and the test is
/// skipped with the reason otherwise. Only loopback endpoints are ever given to them, with made-up keys.
/// </summary>
internal static class DebianAwsTools
{
    public const string Python = "/usr/bin/python3";
    public const string Aws = "/usr/bin/aws";

    private static readonly Lazy<Task<string?>> Installed = new(InstallAsync);

    /// <summary>Null when both tools are usable; else why not (the skip reason).</summary>
    public static Task<string?> MissingAsync() => Installed.Value;

    private static async Task<string?> InstallAsync()
    {
        if (await UsableAsync()) return null;
        if (!File.Exists("/usr/bin/apt-get")) return "awscli and python3-boto3 are not installed and this is not a Debian system (no apt-get)";
        if (Environment.UserName != "root") return "awscli and python3-boto3 are not installed; run the tests as root to install them with apt-get, or install them";
        var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        string[] install = { "install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300", "awscli", "python3-boto3" };
        var first = await RunAsync("/usr/bin/apt-get", install, env, TimeSpan.FromMinutes(10));
        if (first.ExitCode != 0)
        {
            // The package lists may be missing on a fresh machine.
            await RunAsync("/usr/bin/apt-get", new[] { "update", "-o", "DPkg::Lock::Timeout=300" }, env, TimeSpan.FromMinutes(10));
            first = await RunAsync("/usr/bin/apt-get", install, env, TimeSpan.FromMinutes(10));
        }
        return await UsableAsync() ? null : $"apt-get could not install awscli and python3-boto3 (exit {first.ExitCode}): {Last(first.Error)}";
    }

    private static async Task<bool> UsableAsync()
    {
        if (!File.Exists(Python) || !File.Exists(Aws)) return false;
        var boto = await RunAsync(Python, new[] { "-c", "import boto3" }, Clean(), TimeSpan.FromMinutes(1));
        return boto.ExitCode == 0;
    }

    private static string Last(string text) => text.Trim().Split('\n').LastOrDefault() ?? "";

    /// <summary>
    /// An environment for the tools with the test server's keys and nothing of the machine's own AWS
    /// configuration: no profile, no config or credentials files, no instance metadata, no endpoint variables.
    /// </summary>
    public static Dictionary<string, string> Clean() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = TestServer.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = TestServer.SecretKey,
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_CONFIG_FILE"] = "/dev/null",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_PAGER"] = "",
    };

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env, TimeSpan timeout, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(key);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try { await p.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s");
        }
        return (p.ExitCode, await output, await error);
    }
}
