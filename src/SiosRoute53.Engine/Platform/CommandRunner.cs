using System.Diagnostics;
using System.Text;

namespace SiosRoute53.Platform;

public sealed record CommandResult(int ExitCode, string Output, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}

/// <summary>Runs a service resource's commands.</summary>
public interface ICommandRunner
{
    Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>
/// Runs a command line through /bin/sh -c with a time limit, without our AWS credentials in its environment; on
/// timeout or cancellation the whole process group is killed. Output is kept to its last 4 KiB, enough for an error
/// message.
/// </summary>
public sealed class ShellCommandRunner : ICommandRunner
{
    private const int KeepChars = 4096;

    public async Task<CommandResult> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        WithoutOurCredentials(psi.Environment);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start /bin/sh for '{command}'.");
        process.StandardInput.Close();
        var output = new StringBuilder();
        void Collect(string? line)
        {
            if (line is null) return;
            lock (output)
            {
                output.AppendLine(line);
                if (output.Length > KeepChars * 2) output.Remove(0, output.Length - KeepChars);
            }
        }
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            cancellationToken.ThrowIfCancellationRequested();
            return new CommandResult(-1, Tail(output), TimedOut: true);
        }
        process.WaitForExit();
        return new CommandResult(process.ExitCode, Tail(output), TimedOut: false);
    }

    /// <summary>
    /// The service's commands get the node's environment without the AWS credentials SiosRoute53 itself uses: a command
    /// that prints its environment (or a compromised one) must not see them.
    /// </summary>
    public static void WithoutOurCredentials(IDictionary<string, string?> environment)
    {
        foreach (var key in environment.Keys.ToList())
            if (key.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase))
                environment.Remove(key);
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            string text = output.ToString().Trim();
            return text.Length <= KeepChars ? text : text[^KeepChars..];
        }
    }
}
