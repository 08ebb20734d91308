using DeployDirector.Contracts;
using DeployDirector.Live;
using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.State;
using DeployDirector.Tasks;
using ImageTree.Tree;

namespace DeployDirector.Running;

/// <summary>
/// Brings one instance onto its node: the node's leaf onto the group's layer (a reboot through the
/// agent when it sits elsewhere), then prepare → apply → start with the instance's epoch, then the
/// watch: the instance must be running and healthy by the watch time's upper bound and still be at
/// its lower bound. The only code (with <see cref="Deployer"/>) that talks to agents.
/// </summary>
public sealed class InstanceApplier(DirectorContext director)
{
    /// <summary>How long a rebooting node may take to come back.</summary>
    public static readonly TimeSpan RebootTimeout = TimeSpan.FromMinutes(5);

    /// <param name="leafPolicy">keep: the node's leaf goes onto the new layer with it; reset: an empty one.</param>
    public async Task<InstanceRecord> ApplyAsync(InstanceRecord record, InstanceChange change, WatchTime watch, string leafPolicy, TaskContext task)
    {
        string node = record.Node!;
        RenderedArchive archive = change.Archive!;
        InstanceRef reference = archive.Spec.Instance with { Epoch = record.Epoch };
        await EnsureLayerAsync(node, reference, change.Layer, leafPolicy == LeafPolicies.Reset, task).ConfigureAwait(false);
        director.Archives.Put(archive);
        director.Grants.Grant(node, archive.Sha256);
        if (HoldsPrepared(node, reference, archive))
        {
            task.Step("update", $"{record.Key} on {node}: its archive is prepared there already (hot spare)", 0, 0);
        }
        else
        {
            task.Step("update", $"{record.Key} on {node}: preparing", 0, 0);
            await SendAsync(node, new AgentCommand { Id = NewId(), Kind = CommandKind.Prepare, Instance = reference, ArchiveSha256 = archive.Sha256, ArchiveBytes = archive.Bytes.Length }, task).ConfigureAwait(false);
        }
        await SendAsync(node, new AgentCommand { Id = NewId(), Kind = CommandKind.Apply, Instance = reference, ArchiveSha256 = archive.Sha256 }, task).ConfigureAwait(false);
        InstanceStatus status = InstanceStatus.Ready;
        if (record.Lifecycle == Lifecycle.Service)
        {
            await SendAsync(node, new AgentCommand { Id = NewId(), Kind = CommandKind.Start, Instance = reference }, task).ConfigureAwait(false);
            await WatchAsync(node, archive, reference, watch, task).ConfigureAwait(false);
            status = InstanceStatus.Running;
        }
        InstanceRecord done = record with { ArchiveSha256 = archive.Sha256, Status = status, UpdatedAt = director.Clock.GetUtcNow() };
        director.Store.Begin().Put(done).Commit();
        return done;
    }

    /// <summary>A hot spare's copy: fetches and verifies the archive on the node, runs nothing; false
    /// (with the agent's reason) when the node could not.</summary>
    public async Task<CommandResult> PrepareAsync(string node, InstanceRef reference, RenderedArchive archive, CancellationToken cancellationToken)
    {
        director.Archives.Put(archive);
        director.Grants.Grant(node, archive.Sha256);
        return await director.Hub.SendAsync(node, new AgentCommand { Id = NewId(), Kind = CommandKind.Prepare, Instance = reference, ArchiveSha256 = archive.Sha256, ArchiveBytes = archive.Bytes.Length },
            TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The node reports this very archive prepared for the instance (a spare's copy).</summary>
    private bool HoldsPrepared(string node, InstanceRef reference, RenderedArchive archive) =>
        director.Hub.Find(node)?.Instances.Any(i => i.Instance.Id == reference.Id && i.Phase == InstancePhase.Prepared && i.ArchiveSha256 == archive.Sha256) == true;

    /// <summary>Drains and stops an instance on a node and removes its files there (the instance leaves it).
    /// A node whose agent is gone cannot be told; its stale instance is stopped when it registers again.</summary>
    public async Task<bool> RemoveAsync(string node, InstanceRef reference, TaskContext task)
    {
        if (!director.Hub.IsAlive(node))
        {
            // It cannot be told, but its agent stops every job once its lease passes without the
            // director: after that wait the instance runs nowhere, and may start elsewhere.
            TimeSpan wait = director.Hub.Timings.Lease - (director.Hub.SinceLastSeen(node) ?? TimeSpan.Zero);
            task.Step("delete", $"{reference.Group}/{reference.Index}: node {node} is not answering; waiting out its lease ({Math.Max(0, wait.TotalSeconds):0} s), after which its agent has stopped it");
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, director.Clock, task.Cancellation).ConfigureAwait(false);
            }
            return false;
        }
        CommandResult result = await director.Hub.SendAsync(node, new AgentCommand { Id = NewId(), Kind = CommandKind.Stop, Instance = reference, Remove = true, TimeoutMs = 120_000 },
            TimeSpan.FromSeconds(150), task.Cancellation).ConfigureAwait(false);
        if (!result.Ok && result.Refusal != "unknown_instance")
        {
            throw new DirectorException(DirectorError.Unavailable, $"{reference.Group}/{reference.Index} on {node}: stop failed: {result.Error}");
        }
        return true;
    }

    private async Task EnsureLayerAsync(string node, InstanceRef reference, string layer, bool resetLeaf, TaskContext task)
    {
        NodeInfo info = director.Tree.Node(node);
        if (layer.Length == 0 || info.Edition == director.Tree.Resolve(layer).Name)
        {
            return;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (director.Hub.IsAlive(node) && director.Hub.Find(node)?.Instances.Any(i => i.Instance.Id == reference.Id && i.Phase is InstancePhase.Running or InstancePhase.Failing) == true)
        {
            // The jobs' drain contract first (bin/drain may ask for time), as any stop: the reboot alone would only signal them.
            task.Step("update", $"{reference.Group}/{reference.Index} on {node}: draining and stopping before the reboot");
            CommandResult stopped = await director.Hub.SendAsync(node, new AgentCommand { Id = NewId(), Kind = CommandKind.Stop, Instance = reference, TimeoutMs = 120_000 },
                TimeSpan.FromSeconds(150), task.Cancellation).ConfigureAwait(false);
            if (!stopped.Ok && stopped.Refusal != "unknown_instance")
            {
                throw new DirectorException(DirectorError.Unavailable, $"{reference.Group}/{reference.Index} on {node}: stop before the reboot failed: {stopped.Error}");
            }
        }
        task.Step("update", resetLeaf
            ? $"{node} boots {info.Edition}; a fresh leaf over {layer} at a reboot (leaf_policy reset: its writes are discarded)"
            : $"{node} boots {info.Edition}; moving its leaf onto {layer} at a reboot");
        director.Tree.SetNode(node, layer, null);
        if (resetLeaf)
        {
            director.Tree.ResetLeafAtNextBoot(node);
        }
        string? bootId = director.Hub.Find(node)?.BootId;
        CommandResult result = director.Hub.IsAlive(node)
            ? await director.Hub.SendAsync(node, new AgentCommand { Id = NewId(), Kind = CommandKind.Reboot }, TimeSpan.FromSeconds(60), task.Cancellation).ConfigureAwait(false)
            : new CommandResult("", false, "agent_gone", $"{node}'s agent is not answering", null, null, null);
        if (!result.Ok && result.Refusal is "agent_gone" or "timeout")
        {
            // No agent to ask: an emulated node is restarted through its launcher; bare metal reboots when someone does.
            bool restarted = director.Workers?.Restart(node) == true;
            task.Step("update", restarted
                ? $"{node}: {result.Error}; restarted its VM through the launcher"
                : $"{node}: {result.Error}; waiting for it to boot (power-cycle it)");
        }
        else if (!result.Ok)
        {
            throw new DirectorException(DirectorError.Unavailable, $"{node} refused to reboot: {result.Error}");
        }
        DateTimeOffset deadline = director.Clock.GetUtcNow() + RebootTimeout;
        while (director.Hub.Find(node) is not { } agent || agent.BootId == bootId || !director.Hub.IsAlive(node))
        {
            if (director.Clock.GetUtcNow() > deadline)
            {
                throw new DirectorException(DirectorError.Unavailable, $"{node} did not come back within {RebootTimeout.TotalMinutes:0} minutes of its reboot onto {layer}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), director.Clock, task.Cancellation).ConfigureAwait(false);
        }
        task.Step("update", $"{node} is back on {director.Tree.Node(node).Edition} after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Waits for the agent to report this very archive running: a heartbeat sent before the start
    /// still shows the previous archive and proves nothing. A job with a health check counts once the
    /// check has passed; one without, once its process runs.
    /// </summary>
    private async Task WatchAsync(string node, RenderedArchive archive, InstanceRef reference, WatchTime watch, TaskContext task)
    {
        HashSet<string> checkedJobs = [.. archive.Spec.Jobs.Where(j => archive.Spec.Files.Any(f => f.Path == $"jobs/{j}/bin/health"))];
        DateTimeOffset start = director.Clock.GetUtcNow();
        while (true)
        {
            TimeSpan elapsed = director.Clock.GetUtcNow() - start;
            InstanceState? state = director.Hub.Find(node)?.Instances.FirstOrDefault(i => i.Instance.Id == reference.Id && i.ArchiveSha256 == archive.Sha256);
            bool healthy = state is not null && state.Phase == InstancePhase.Running && state.Jobs.Count > 0
                && state.Jobs.All(j => j.Process == "running" && (checkedJobs.Contains(j.Name) ? j.Healthy == true : j.Healthy != false));
            if (healthy && elapsed.TotalMilliseconds >= watch.LowMs)
            {
                task.Step("update", $"{reference.Group}/{reference.Index} on {node}: running and healthy after {elapsed.TotalSeconds:0.0} s");
                return;
            }
            if (state?.Phase == InstancePhase.Failing || elapsed.TotalMilliseconds > watch.HighMs)
            {
                string last = state is null ? "the agent has not reported this archive yet" : Describe(state);
                throw new DirectorException(DirectorError.Unavailable,
                    $"{reference.Group}/{reference.Index} on {node} is not healthy after {elapsed.TotalSeconds:0.0} s ({last}); 'ubd instances {reference.Deployment} --logs {reference.Group}/{reference.Index}' shows its job logs");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), director.Clock, task.Cancellation).ConfigureAwait(false);
        }
    }

    private static string Describe(InstanceState state) =>
        $"{state.Phase}: " + string.Join(", ", state.Jobs.Select(j => $"{j.Name} {j.Process}{(j.Healthy == false ? " unhealthy" : "")}{(j.LastError is null ? "" : $" ({j.LastError})")}"));

    private async Task SendAsync(string node, AgentCommand command, TaskContext task)
    {
        CommandResult result = await director.Hub.SendAsync(node, command, TimeSpan.FromMilliseconds(command.TimeoutMs + 30_000), task.Cancellation).ConfigureAwait(false);
        if (!result.Ok)
        {
            throw new DirectorException(DirectorError.Unavailable, $"{command.Instance?.Group}/{command.Instance?.Index} on {node}: {command.Kind} failed ({result.Refusal}): {result.Error}");
        }
    }

    public static string NewId() => Guid.NewGuid().ToString("N")[..16];
}
