using System.Diagnostics;
using DeployDirector.Contracts;

namespace NodeAgent.Actions;

/// <summary>Stops every job, answers, then runs the reboot command (<c>reboot -f</c> on a node).</summary>
internal sealed class Reboot(AgentContext context) : IAgentAction
{
    public string Kind => CommandKind.Reboot;

    public bool NeedsInstance => false;

    public async Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        await context.Instances.StopAllAsync(cancellation).ConfigureAwait(false);
        return AgentContext.Ok(command, null);
    }

    public async Task AfterResultAsync(AgentCommand command)
    {
        context.Log.WriteLine($"ubd-agent: rebooting ({context.Options.RebootCommand})");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(context.Options.RebootCommand);
        using var process = Process.Start(start);
        if (process is not null)
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }
}
