using System.Text;
using DeployDirector.Contracts;
using NodeAgent.Supervision;

namespace NodeAgent.Actions;

/// <summary>The tail of every job's log of the instance, within <see cref="AgentProtocol.MaxOutputBytes"/> in all.</summary>
internal sealed class FetchLogs(AgentContext context) : IAgentAction
{
    public string Kind => CommandKind.FetchLogs;

    public bool NeedsInstance => true;

    public Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        var instance = command.Instance!;
        var runtime = context.Instances.Find(instance.Id);
        if (runtime is null)
        {
            return Task.FromResult(AgentContext.Refuse(command, Refusals.UnknownInstance, $"{instance} is not on this node"));
        }

        var logs = Directory.Exists(context.Paths.Logs(instance.Id))
            ? Directory.GetFiles(context.Paths.Logs(instance.Id), "*.log").Order(StringComparer.Ordinal).ToList()
            : [];
        var text = new StringBuilder();
        if (logs.Count > 0)
        {
            // Each log gets an equal share; the headers take a little of it.
            var share = (AgentProtocol.MaxOutputBytes / logs.Count) - 256;
            foreach (var log in logs)
            {
                var tail = new TailBuffer(share);
                tail.Write(LogRotation.Tail(log, share));
                text.Append("==> ").Append(Path.GetFileName(log)).Append(" <==\n").Append(tail);
            }
        }

        return Task.FromResult(AgentContext.Ok(command, runtime.Snapshot(), text.ToString()));
    }
}
