using SiosRoute53.Model;
using SiosRoute53.Platform;

namespace SiosRoute53.Kits;

/// <summary>
/// The protected application: start, stop and check commands, or a systemd unit (systemctl start/stop/is-active).
/// A failing check is a resource failure; recovery starts it again and checks once more.
/// </summary>
public sealed class ServiceKit : IResourceKit
{
    public ResourceKind Kind => ResourceKind.Service;

    public string Description => "The protected application: a systemd unit, or start, stop and check commands.";

    public string Summary(ResourceDefinition resource, string node) =>
        resource.Setting(node, SettingKeys.SystemdUnit) is { } unit ? $"systemd unit {unit}" : $"check: {resource.Setting(node, SettingKeys.CheckCommand)}";

    public Task ValidateAsync(KitContext context, CancellationToken cancellationToken)
    {
        var s = ServiceSettings.For(context.Resource, context.NodeName);
        if (s.SystemdUnit is null && (s.StartCommand is null || s.StopCommand is null || s.CheckCommand is null))
            throw new HaArgumentException($"Service resource '{context.Tag}' needs either a systemd unit, or a start, a stop and a check command.", context.Tag);
        if (s.SystemdUnit is { } unit && !System.Text.RegularExpressions.Regex.IsMatch(unit, @"^[A-Za-z0-9:_.@\\-]+$"))
            throw new HaArgumentException($"'{unit}' is not a systemd unit name (letters, digits and :_.@- only), e.g. nginx.service.", unit);
        return Task.CompletedTask;
    }

    private static (string Start, string Stop, string Check) Commands(KitContext context)
    {
        var s = ServiceSettings.For(context.Resource, context.NodeName);
        if (s.SystemdUnit is { } unit)
            return (s.StartCommand ?? $"systemctl start '{unit}'", s.StopCommand ?? $"systemctl stop '{unit}'", s.CheckCommand ?? $"systemctl is-active --quiet '{unit}'");
        if (s.StartCommand is null || s.StopCommand is null || s.CheckCommand is null)
            throw new DefinitionException($"Service resource '{context.Tag}' has no systemd unit and not all of its start, stop and check commands; recreate it with New-HaServiceResource.");
        return (s.StartCommand, s.StopCommand, s.CheckCommand);
    }

    private static async Task<CommandResult> RunAsync(KitContext context, string what, string command, CancellationToken cancellationToken)
    {
        var timeout = context.Tunables.Typed.ServiceCommandTimeout;
        context.Log($"{context.Tag}: {what}: {command}");
        var result = await context.Environment.Commands.RunAsync(command, timeout, cancellationToken);
        context.Log($"{context.Tag}: {what} {(result.TimedOut ? $"timed out after {timeout.TotalSeconds:0} s" : $"exited {result.ExitCode}")}");
        return result;
    }

    private static string Describe(string what, string command, CommandResult r) =>
        r.TimedOut ? $"{what} command '{command}' did not finish within SERVICE_COMMAND_TIMEOUT."
        : $"{what} command '{command}' exited {r.ExitCode}" + (r.Output.Length > 0 ? $": {Last(r.Output)}" : ".");

    /// <summary>The output's last lines, for the message; with anything that looks like a secret taken out, as it is stored.</summary>
    private static string Last(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return Store.EventLog.Redact(string.Join(" | ", lines.TakeLast(3)).Trim());
    }

    public async Task<KitResult> RestoreAsync(KitContext context, CancellationToken cancellationToken)
    {
        var (start, _, check) = Commands(context);
        var started = await RunAsync(context, "start", start, cancellationToken);
        if (!started.Succeeded) throw new ResourceActionException(Describe("The start", start, started));
        var checkedOk = await RunAsync(context, "check", check, cancellationToken);
        if (!checkedOk.Succeeded) throw new ResourceActionException("Started, but " + Describe("the check", check, checkedOk));
        return new KitResult("Started and checked.");
    }

    public async Task<KitResult> RemoveAsync(KitContext context, CancellationToken cancellationToken)
    {
        var (_, stop, _) = Commands(context);
        var stopped = await RunAsync(context, "stop", stop, cancellationToken);
        if (!stopped.Succeeded) throw new ResourceActionException(Describe("The stop", stop, stopped));
        return new KitResult("Stopped.");
    }

    public async Task<CheckResult> QuickCheckAsync(KitContext context, CancellationToken cancellationToken)
    {
        var (_, _, check) = Commands(context);
        var result = await RunAsync(context, "check", check, cancellationToken);
        return result.Succeeded
            ? new CheckResult(CheckOutcome.Healthy, "The check command succeeded.")
            : new CheckResult(CheckOutcome.Failed, Describe("The check", check, result));
    }

    public async Task<KitResult> RecoverAsync(KitContext context, CancellationToken cancellationToken)
    {
        await RestoreAsync(context, cancellationToken);
        return new KitResult("Restarted and checked.");
    }
}
