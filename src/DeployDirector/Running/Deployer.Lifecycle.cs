using DeployDirector.Contracts;
using DeployDirector.Live;
using DeployDirector.State;
using DeployDirector.Tasks;

namespace DeployDirector.Running;

public sealed partial class Deployer
{
    /// <summary>Stops every instance (drain first), frees the nodes and forgets the deployment (a task).</summary>
    public DirectorTaskRecord Delete(string name)
    {
        _ = director.Store.Deployment(name) ?? throw NoDeployment(name);
        return director.Tasks.Start("delete", name, $"delete deployment {name}", async task =>
        {
            IReadOnlyList<InstanceRecord> instances = director.Store.Instances(name);
            int done = 0;
            await Task.WhenAll(instances.Select(async record =>
            {
                director.Store.Begin().Put(record with { Status = InstanceStatus.Stopping, UpdatedAt = director.Clock.GetUtcNow() }).Commit();
                if (record.Node is not null)
                {
                    await _applier.RemoveAsync(record.Node, Reference(record), task).ConfigureAwait(false);
                }
                director.Store.Begin().Delete(record).Commit();
                task.Step("delete", $"{record.Group}/{record.Index} stopped; {record.Node ?? "no node"} is an idle stem cell again", Interlocked.Increment(ref done), instances.Count);
            })).ConfigureAwait(false);
            DeploymentRecord deployment = director.Store.Deployment(name)!;
            DirectorStore.Change forget = director.Store.Begin().Delete(deployment).DeleteVariables(name);
            foreach (GroupRecord group in director.Store.Groups(name))
            {
                forget.Delete(group);
            }
            foreach (NodeAgentRecord spare in director.Nodes.All().Where(n => n.SpareFor?.StartsWith(name + "/", StringComparison.Ordinal) == true))
            {
                forget.Put(spare with { SpareFor = null });
            }
            forget.Commit();
            return System.Text.Json.JsonSerializer.Serialize(new { deployment = name, deleted = instances.Count }, Api.DirectorJson.Options);
        });
    }

    /// <summary>Runs an errand group's instances to completion (a task); the result holds exit codes and output.</summary>
    public DirectorTaskRecord RunErrand(string name, string group)
    {
        _ = director.Store.Deployment(name) ?? throw NoDeployment(name);
        List<InstanceRecord> instances = [.. director.Store.Instances(name).Where(i => i.Group == group)];
        if (instances.Count == 0 || instances.Any(i => i.Lifecycle != Lifecycle.Errand))
        {
            throw new DirectorException(DirectorError.Invalid, $"'{group}' is not an errand group of {name} with instances (lifecycle: errand in the manifest, then deploy)");
        }
        return director.Tasks.Start("errand", name, $"run errand {group} of {name}", async task =>
        {
            var results = await Task.WhenAll(instances.Select(async record =>
            {
                task.Step("errand", $"{group}/{record.Index} on {record.Node}: running");
                CommandResult result = await director.Hub.SendAsync(record.Node!, new AgentCommand
                {
                    Id = InstanceApplier.NewId(), Kind = CommandKind.RunErrand, Instance = Reference(record), TimeoutMs = 600_000,
                }, TimeSpan.FromMinutes(11), task.Cancellation).ConfigureAwait(false);
                task.Step("errand", $"{group}/{record.Index}: {(result.Ok ? "exit " + result.ExitCode : "failed: " + result.Error)}");
                return new { instance = $"{group}/{record.Index}", node = record.Node, ok = result.Ok && result.ExitCode == 0, exitCode = result.ExitCode, error = result.Error, output = result.Output };
            })).ConfigureAwait(false);
            string json = System.Text.Json.JsonSerializer.Serialize(results, Api.DirectorJson.Options);
            return results.All(r => r.ok) ? json : throw new DirectorException(DirectorError.Unavailable, $"errand {group} failed on {results.Count(r => !r.ok)} instance(s): {json}");
        });
    }

    /// <summary>The tail of an instance's job logs, asked of its agent.</summary>
    public async Task<string> LogsAsync(string name, string group, int index, CancellationToken cancellationToken)
    {
        InstanceRecord record = director.Store.Instance(name, group, index) ?? throw new DirectorException(DirectorError.NotFound, $"no instance {group}/{index} in {name}; 'ubd instances {name}' lists them");
        if (record.Node is null || !director.Hub.IsAlive(record.Node))
        {
            throw new DirectorException(DirectorError.Unavailable, $"{group}/{index} has no live node to ask for logs");
        }
        CommandResult result = await director.Hub.SendAsync(record.Node, new AgentCommand { Id = InstanceApplier.NewId(), Kind = CommandKind.FetchLogs, Instance = Reference(record) },
            TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return result.Ok ? result.Output ?? "" : throw new DirectorException(DirectorError.Unavailable, $"{record.Node} did not give the logs: {result.Error}");
    }

    /// <summary>
    /// When an agent registers, instances it still holds that the director no longer gives it (deleted,
    /// moved elsewhere under a newer epoch) are stopped and removed there: a node that was away never
    /// keeps running what another node now holds. Matching instances are left running untouched.
    /// </summary>
    public void Adopt(LiveAgent agent)
    {
        var stale = agent.Registration.Instances.Where(reported =>
        {
            InstanceRecord? record = director.Store.Instance(reported.Instance.Deployment, reported.Instance.Group, reported.Instance.Index);
            if (record is not null && reported.Phase == InstancePhase.Prepared && record.Id == reported.Instance.Id
                && director.Nodes.Find(agent.Mac)?.SpareFor == $"{record.Deployment}/{record.Group}")
            {
                return false; // a hot spare's copy of an instance of its group
            }
            return record is null || record.Id != reported.Instance.Id || record.Node != agent.Mac || record.Epoch > reported.Instance.Epoch;
        }).ToList();
        foreach (InstanceState reported in stale)
        {
            director.Log.LogStale(agent.Mac, reported.Instance.ToString());
            _ = director.Hub.SendAsync(agent.Mac, new AgentCommand { Id = InstanceApplier.NewId(), Kind = CommandKind.Stop, Instance = reported.Instance, Remove = true },
                TimeSpan.FromMinutes(3), CancellationToken.None);
        }
    }

    private static InstanceRef Reference(InstanceRecord record) => new(record.Deployment, record.Group, record.Index, record.Id, record.Epoch);
}

internal static partial class DirectorLog
{
    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "node {Mac} still held {Instance}, which is no longer its own: stopping it there")]
    public static partial void LogStale(this Microsoft.Extensions.Logging.ILogger log, string mac, string instance);
}
