using System.Diagnostics;
using DeployDirector.Contracts;
using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.State;
using DeployDirector.Tasks;
using ImageTree.Tree;

namespace DeployDirector.Running;

/// <summary>A rollout of nodes no deployment holds: named by MAC, or every node of a boot group (the lineage their leaves sit on).</summary>
/// <param name="WatchSeconds">How long a moved node's agent must keep answering (a node without an agent counts once it booted).</param>
public sealed record NodeRolloutRequest(string To, IReadOnlyList<string>? Nodes = null, string? BootGroup = null, int Canaries = 1,
    string MaxInFlight = "1", int WatchSeconds = 10, string OnFailure = UpdatePolicy.Halt);

/// <summary>What a node rollout did.</summary>
public sealed record NodeRolloutSummary(string To, int Moved, int RolledBack, IReadOnlyList<BatchTiming> Batches);

/// <summary>
/// Moves nodes that run no deployment's instance (plain booted nodes, idle stem cells) onto an edition
/// in batches: canaries first, then max_in_flight at a time. Per node: its edition is set, it reboots
/// (through its agent, else its VM's launcher, else an operator is asked to power-cycle it), it must
/// boot the edition and, when it has an agent, have it register and keep answering for the watch time
/// (booting and registering may take the director's node wait, 10 minutes by default).
/// A node that does not is a failure: halt, or roll every moved node back onto its previous edition.
/// Nodes holding an instance are refused: their deployment's rollout moves them with their jobs.
/// </summary>
public sealed class NodeRollouts(DirectorContext director)
{
    public DirectorTaskRecord Start(NodeRolloutRequest request)
    {
        UnionBlock.Store.LayerRecord target = director.Tree.TryResolve(request.To) is { IsFrozen: true } edition ? edition
            : throw new DirectorException(DirectorError.NotFound, $"no edition named '{request.To}'; 'ubd image editions' lists them");
        string[] macs = Select(request);
        string[] unknown = [.. macs.Where(m => director.Tree.EditionOf(m) is null)];
        if (unknown.Length > 0)
        {
            throw new DirectorException(DirectorError.NotFound, $"no node {string.Join(", ", unknown)}; 'ubd node list' shows the known ones");
        }
        if (macs.Length == 0)
        {
            throw new DirectorException(DirectorError.Invalid, request.BootGroup is { } group ? $"no node boots an edition of '{group}'" : "name the nodes to roll out (--nodes MAC,MAC or --boot-group LINEAGE)");
        }
        HashSet<string> held = [.. director.Store.AllInstances().Select(i => i.Node).OfType<string>()];
        string[] holding = [.. macs.Where(held.Contains)];
        if (holding.Length > 0)
        {
            throw new DirectorException(DirectorError.Conflict,
                $"{string.Join(", ", holding)} hold(s) a deployment's instance: roll them out with their deployment ('ubd rollout start DEPLOYMENT --to {target.Name}'), which moves their jobs too");
        }
        if (request.Canaries < 0 || request.WatchSeconds < 0 || request.OnFailure is not (UpdatePolicy.Halt or UpdatePolicy.Rollback))
        {
            throw new DirectorException(DirectorError.Invalid, "canaries and the watch time are 0 or more; on_failure is halt or rollback");
        }
        MaxInFlight inFlight = ParseMaxInFlight(request.MaxInFlight);
        var policy = new UpdatePolicy(request.Canaries, inFlight, new WatchTime(0, 1), new WatchTime(0, 1), true, OnFailure: request.OnFailure);
        string[] moving = [.. macs.Where(m => director.Tree.EditionOf(m) != target.Name)];
        return director.Tasks.Start("rollout-nodes", "nodes:" + (target.Lineage ?? target.Name), $"rollout of {moving.Length} node(s) onto {target.Name}",
            task => RunAsync(task, moving, target.Name, policy, TimeSpan.FromSeconds(request.WatchSeconds)));
    }

    private async Task<string?> RunAsync(TaskContext task, string[] macs, string to, UpdatePolicy policy, TimeSpan watch)
    {
        IReadOnlyList<UpdateBatch<string>> batches = UpdateBatches.Plan(macs, _ => false, macs.Length, macs.Length, policy, "nodes");
        var moved = new List<(string Mac, string From)>();
        var timings = new List<BatchTiming>();
        try
        {
            foreach (UpdateBatch<string> batch in batches)
            {
                await task.PausePointAsync($"paused before {string.Join(", ", batch.Items)}; 'ubd rollout resume {task.TaskId}' goes on").ConfigureAwait(false);
                task.Step("update", $"moving {string.Join(", ", batch.Items)} onto {to}{(batch.Canary ? " (canary)" : "")}");
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(batch.Items.Select(async mac =>
                {
                    string from = director.Tree.EditionOf(mac) ?? to;
                    lock (moved)
                    {
                        moved.Add((mac, from));
                    }
                    await MoveAsync(mac, to, watch, task).ConfigureAwait(false);
                })).ConfigureAwait(false);
                timings.Add(new BatchTiming("nodes", batch.Items, batch.Canary, Math.Round(clock.Elapsed.TotalSeconds, 1)));
            }
        }
        catch (DirectorException failed) when (policy.OnFailure == UpdatePolicy.Rollback)
        {
            task.Step("rollback", $"{failed.Message}; moving {moved.Count} node(s) back");
            var stuck = new List<string>();
            foreach ((string mac, string from) in moved)
            {
                try
                {
                    await MoveAsync(mac, from, watch, task).ConfigureAwait(false);
                }
                catch (DirectorException notBack)
                {
                    // Its edition is set back: it boots the old one whenever it boots next.
                    stuck.Add(mac);
                    task.Step("rollback", notBack.Message);
                }
            }
            throw new DirectorException(failed.Kind, $"{failed.Message}. Rolled back: {moved.Count - stuck.Count} node(s) back on their previous editions"
                + (stuck.Count == 0 ? "" : $"; {string.Join(", ", stuck)} did not come back (set to boot its previous edition next time)"));
        }
        task.Step("done", $"{moved.Count} node(s) on {to}");
        return System.Text.Json.JsonSerializer.Serialize(new NodeRolloutSummary(to, moved.Count, 0, timings), Api.DirectorJson.Options);
    }

    /// <summary>Sets the node's edition, reboots it by whatever means it has, and waits for it to boot there (and its agent to stay).</summary>
    private async Task MoveAsync(string mac, string edition, TimeSpan watch, TaskContext task)
    {
        NodeInfo before = director.Tree.Node(mac);
        director.Tree.SetNode(mac, edition, null);
        bool hadAgent = director.Hub.IsAlive(mac);
        string? bootId = director.Hub.Find(mac)?.BootId;
        if (hadAgent)
        {
            CommandResult result = await director.Hub.SendAsync(mac, new AgentCommand { Id = InstanceApplier.NewId(), Kind = CommandKind.Reboot }, TimeSpan.FromSeconds(60), task.Cancellation).ConfigureAwait(false);
            hadAgent = result.Ok;
        }
        if (!hadAgent)
        {
            task.Step("update", director.Workers?.Restart(mac) == true ? $"{mac}: no agent answers; restarted its VM through the launcher" : $"{mac}: no agent answers; power-cycle it to go on");
        }
        TimeSpan timeout = director.NodeWait;
        var clock = Stopwatch.StartNew();
        while (director.Tree.Node(mac) is var now && (now.Boots == before.Boots || director.Tree.EditionOf(mac) != edition))
        {
            if (clock.Elapsed > timeout)
            {
                throw new DirectorException(DirectorError.Unavailable, $"{mac} did not boot {edition} within {timeout.TotalMinutes:0.#} minutes");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), director.Clock, task.Cancellation).ConfigureAwait(false);
        }
        if (bootId is not null)
        {
            // It ran an agent before: the new boot's agent must register and keep answering for the watch time.
            while (director.Hub.Find(mac) is not { } agent || agent.BootId == bootId || !director.Hub.IsAlive(mac))
            {
                if (clock.Elapsed > timeout)
                {
                    throw new DirectorException(DirectorError.Unavailable, $"{mac} booted {edition} but its agent did not register within {timeout.TotalMinutes:0.#} minutes");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), director.Clock, task.Cancellation).ConfigureAwait(false);
            }
            var watching = Stopwatch.StartNew();
            while (watching.Elapsed < watch)
            {
                if (!director.Hub.IsAlive(mac))
                {
                    throw new DirectorException(DirectorError.Unavailable, $"{mac} booted {edition} and its agent stopped answering {watching.Elapsed.TotalSeconds:0.0} s later");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), director.Clock, task.Cancellation).ConfigureAwait(false);
            }
        }
        task.Step("update", $"{mac} runs {edition} ({clock.Elapsed.TotalSeconds:0.0} s)");
    }

    private string[] Select(NodeRolloutRequest request)
    {
        if (request.BootGroup is { } group)
        {
            return [.. director.Tree.Nodes().Where(n => n.Group == group).Select(n => n.Mac)];
        }
        return [.. (request.Nodes ?? []).Select(ImageTreeService.NormalizeMac).Distinct()];
    }

    private static MaxInFlight ParseMaxInFlight(string text) =>
        text.EndsWith('%') && int.TryParse(text[..^1], System.Globalization.CultureInfo.InvariantCulture, out int percent) && percent is >= 1 and <= 100 ? new MaxInFlight(null, percent)
        : int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int count) && count >= 1 ? new MaxInFlight(count, null)
        : throw new DirectorException(DirectorError.Invalid, $"max_in_flight must be a count of 1 or more or a percentage from 1% to 100%, got '{text}'");
}
