using System.Globalization;
using System.Text;
using DeployDirector.Contracts;
using NodeAgent.State;
using NodeAgent.Supervision;

namespace NodeAgent.Actions;

/// <summary>
/// Writes the pushed service group as the instance's <c>group.json</c> (atomically, where jobs find it
/// through <c>UBD_GROUP_FILE</c>) unless it holds a newer or the same version, then runs every applied
/// job's optional <c>bin/group-changed</c> in parallel, each bounded by the command's timeout. The file
/// stays written when a hook fails: it says what the group is, whatever a job made of it.
/// </summary>
internal sealed class UpdateGroup(AgentContext context) : IAgentAction
{
    public const string Hook = "group-changed";

    public string Kind => CommandKind.UpdateGroup;

    public bool NeedsInstance => true;

    public async Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        var instance = command.Instance!;
        if (command.Group is not { Deployment.Length: > 0, Group.Length: > 0 } pushed)
        {
            return AgentContext.Refuse(command, Refusals.Failed, "update_group needs a group with its deployment and name");
        }

        var runtime = context.Instances.Find(instance.Id);
        if (runtime is null)
        {
            return AgentContext.Refuse(command, Refusals.UnknownInstance, $"{instance} is not on this node");
        }

        // Lists absent from the wire come back null from the source-generated reader.
        var group = pushed with { Members = pushed.Members ?? [] };
        var path = context.Paths.GroupFile(instance.Id);
        var held = GroupFile.TryRead(path);
        if (!GroupFile.Supersedes(group, held))
        {
            return AgentContext.Ok(command, runtime.Snapshot(), string.Create(CultureInfo.InvariantCulture, $"holds version {held!.Version} of {held.Group}: version {group.Version} ignored"));
        }

        GroupFile.Write(path, group);
        context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ubd-agent: {instance}: group {group.Group} version {group.Version}, leader {group.LeaderInstance ?? "none"}"));

        var hooks = (runtime.Spec?.Jobs ?? [])
            .Select(job => (Job: job, Environment: runtime.Environment(job)))
            .Where(hook => File.Exists(hook.Environment.Script(Hook)))
            .ToList();
        var budget = AgentContext.TimeoutOf(command);
        var results = await Task.WhenAll(hooks.Select(hook => ScriptRunner.RunAsync(hook.Environment, hook.Environment.Script(Hook), budget, AgentProtocol.MaxOutputBytes, cancellation))).ConfigureAwait(false);

        var output = new TailBuffer(AgentProtocol.MaxOutputBytes);
        var problems = new List<string>();
        foreach (var (hook, result) in hooks.Zip(results))
        {
            if (hooks.Count > 1)
            {
                output.Write(Encoding.UTF8.GetBytes($"==> {hook.Job} <==\n"));
            }

            output.Write(Encoding.UTF8.GetBytes(result.Output));
            if (result.ExitCode != 0)
            {
                problems.Add(result.TimedOut ? $"{hook.Job}: bin/{Hook} timed out" : $"{hook.Job}: bin/{Hook} exited with code {result.ExitCode}");
            }
        }

        if (problems.Count == 0)
        {
            return AgentContext.Ok(command, runtime.Snapshot(), hooks.Count > 0 ? output.ToString() : null);
        }

        var refusal = results.Any(result => result.TimedOut) ? Refusals.Timeout : Refusals.Failed;
        var exitCode = results.FirstOrDefault(result => result.ExitCode is not 0 and not null)?.ExitCode;
        return new CommandResult(command.Id, false, refusal, string.Join("; ", problems), output.ToString(), exitCode, runtime.Snapshot());
    }
}
