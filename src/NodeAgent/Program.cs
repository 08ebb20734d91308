using System.Runtime.InteropServices;
using NodeAgent.Config;
using NodeAgent.Host;

var options = AgentOptions.TryParse(args, KernelCommandLine.ReadOrEmpty("/proc/cmdline"), "/sys/class/net/eth0/address", out var error);
if (options is null)
{
    Console.Error.WriteLine($"ubd-agent: {error}");
    Console.Error.WriteLine("usage: ubd-agent --director URL --credential TOKEN --mac MAC [--data DIR] [--reboot-command CMD]");
    return 2;
}

using var stopping = new CancellationTokenSource();

// SIGTERM and SIGINT end the agent, not its jobs: a restarted agent adopts them.
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopping.Cancel(); });
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopping.Cancel(); });
// Nothing the agent logs may wait on the disk the log lives on (see QueuedLog).
using var log = new QueuedLog(Console.Out);
await new AgentHost(options, log).RunAsync(stopping.Token);
log.WriteLine("ubd-agent: stopped");
return 0;
