using System.Collections;
using System.Runtime.InteropServices;
using SiosRoute53.Ocf;

// The OCF resource agent's process: one action per run, the exit code is the answer (OCF 1.1). Pacemaker starts it
// through the wrapper script /usr/lib/ocf/resource.d/siosroute53/route53.
string action = args.Length > 0 ? args[0] : "";
var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
    .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);

switch (action)
{
    case "meta-data":
        Console.WriteLine(MetaData.Xml(typeof(MetaData).Assembly.GetName().Version?.ToString(3) ?? "0.1.0"));
        return (int)OcfExitCode.Success;
    case "usage" or "help" or "-h" or "--help":
        Console.WriteLine("usage: route53 {start|stop|monitor|validate-all|meta-data}");
        return (int)OcfExitCode.Success;
    case "":
        Console.Error.WriteLine("usage: route53 {start|stop|monitor|validate-all|meta-data}");
        return (int)OcfExitCode.ErrArgs;
}

var agent = new Route53Agent(environment, new AgentHost());
string instance = agent.Instance;
using var cancel = new CancellationTokenSource();
// Pacemaker sends SIGTERM when an action outlives its timeout: stop waiting and fail cleanly.
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

var decision = await agent.RunAsync(action, cancel.Token);
bool failed = decision.ExitCode is not (OcfExitCode.Success or OcfExitCode.NotRunning);
string level = decision.Rule switch
{
    // Not failures, but an operator must hear of them: Pacemaker logs a monitor's stderr in pacemaker.log.
    "route53-unreadable-not-a-failure" => "WARNING",
    "route53-refused-not-a-failure" or "probe-route53-refused" => "ERROR",
    _ => failed ? "ERROR" : "INFO",
};
bool quiet = action == "monitor" && !failed && decision.Rule is "record-ours" or "not-started-here";
if (!quiet) Console.Error.WriteLine($"{level}: {instance} {action} [{decision.Rule}]: {decision.Message}");
// Pacemaker shows this line as the failure's reason (crm_mon, pcs status).
if (failed) Console.Error.WriteLine($"ocf-exit-reason:{decision.Message}");
return (int)decision.ExitCode;
