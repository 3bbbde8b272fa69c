using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SiosRoute53.Tests.Unit.Server;

/// <summary>The built server as a process: --help, SIGTERM/SIGINT, a port in use.</summary>
public class ServerProcessTests
{
    private static readonly string ServerDll = Path.Combine(AppContext.BaseDirectory, "SiosRoute53.Route53Server.dll");

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static Process Start(params string[] args)
    {
        // A test run started in the background (CI, nohup, a non-interactive shell's job) inherits SIGINT ignored, and a
        // program keeps an ignored SIGINT as Ctrl+C never reaches it there; env restores the default as a terminal has it.
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(ServerDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SIOSR53_ACCESS_KEY_ID"] = TestServer.AccessKey;
        psi.Environment["SIOSR53_SECRET_ACCESS_KEY"] = TestServer.SecretKey;
        return Process.Start(psi)!;
    }

    private static async Task<(int ExitCode, string Out, string Err)> RunAsync(params string[] args)
    {
        using var p = Start(args);
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(deadline.Token);
        return (p.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Help_exits_0_and_describes_the_propagation_range_and_the_request_counters()
    {
        var (code, output, _) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Contains("--propagation  how long a change stays PENDING", output);
        Assert.Contains("MIN-MAX", output);
        Assert.Contains("/_control/requests", output);
    }

    [Theory]
    [InlineData(15)] // SIGTERM: systemd, docker stop, kill
    [InlineData(2)] // SIGINT: Ctrl+C
    public async Task A_stop_signal_stops_the_server_within_2_s_with_exit_0(int signal)
    {
        using var p = Start("--listen", "127.0.0.1:0", "--zone", "corp.example");
        var error = p.StandardError.ReadToEndAsync();
        string? line;
        while ((line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.StartsWith("listening", StringComparison.Ordinal)) { }
        Assert.NotNull(line); // it started

        Assert.Equal(0, Kill(p.Id, signal));

        bool stopped = p.WaitForExit(TimeSpan.FromSeconds(2));
        if (!stopped) p.Kill(entireProcessTree: true);
        Assert.True(stopped, "the server was still running 2 s after the signal");
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("", (await error).Trim());
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_naming_the_port_and_a_nonzero_exit()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (code, output, error) = await RunAsync("--listen", $"127.0.0.1:{port}");

        Assert.NotEqual(0, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains($"port {port}", line);
        Assert.Contains("in use", line);
        Assert.DoesNotContain("listening", output);
    }
}
