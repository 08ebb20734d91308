using System.Security.Cryptography;
using DeployDirector.Contracts;
using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.State;
using DeployDirector.Tasks;

namespace DeployDirector.Running;

/// <summary>A deploy that could start (its task) or the manifest's errors (nothing changed).</summary>
public sealed record DeployOutcome(DirectorTaskRecord? Task, IReadOnlyList<ManifestError> Errors);

/// <summary>A plan, or the manifest's errors.</summary>
public sealed record PlanOutcome(DeployPlan? Plan, IReadOnlyList<ManifestError> Errors);

/// <summary>
/// Deployments: plan (pure, writes nothing), deploy (a task that converges the deployment onto its
/// manifest), delete, errands. Level-triggered: every deploy recomputes the difference between the
/// manifest and what exists, so running it again after an interruption finishes the job, and an
/// unchanged deploy sends no command at all.
/// </summary>
public sealed partial class Deployer(DirectorContext director)
{
    /// <summary>How many times a deploy plans again when other work took its chosen nodes first.</summary>
    private const int MaxAssignAttempts = 5;

    private readonly InstanceApplier _applier = new(director);

    /// <summary>Held while a deploy makes its final choice of nodes and commits it (see <see cref="AssignNodesAsync"/>).</summary>
    private readonly SemaphoreSlim _placing = new(1, 1);

    public PlanOutcome Plan(string yaml, string file, IReadOnlyDictionary<string, string>? variables)
    {
        Prepared? prepared = Prepare(yaml, file, variables, out IReadOnlyList<ManifestError> errors);
        return prepared is null ? new PlanOutcome(null, errors) : new PlanOutcome(PlanNow(prepared), []);
    }

    public DeployOutcome Deploy(string yaml, string file, IReadOnlyDictionary<string, string>? variables)
    {
        Prepared? prepared = Prepare(yaml, file, variables, out IReadOnlyList<ManifestError> errors);
        if (prepared is null)
        {
            return new DeployOutcome(null, errors);
        }
        string name = prepared.Manifest.Name;
        DirectorTaskRecord task = director.Tasks.Start("deploy", name, $"deploy {name} from {file}", context => DeployAsync(prepared, context));
        return new DeployOutcome(task, []);
    }

    private async Task<string?> DeployAsync(Prepared prepared, TaskContext task) =>
        System.Text.Json.JsonSerializer.Serialize(await ConvergeAsync(prepared, task, DeployMode.Fresh).ConfigureAwait(false), Api.DirectorJson.Options);

    /// <summary>
    /// Brings the deployment to <paramref name="prepared"/>: the desired state is saved, nodes found and
    /// assigned, and the groups updated batch by batch. When a group's update fails and its update block
    /// says <c>on_failure: rollback</c>, the previous desired state is deployed again in the same task
    /// (every instance this one changed goes back, its node onto its previous edition; the rest are
    /// unchanged and get no command), and the task fails saying so.
    /// </summary>
    private async Task<DeploySummary> ConvergeAsync(Prepared prepared, TaskContext task, DeployMode mode)
    {
        DeploymentManifest manifest = prepared.Manifest;
        DeploymentRecord? before = director.Store.Deployment(manifest.Name);
        DeploymentRecord? previous = mode switch
        {
            DeployMode.Fresh => before is null ? null : before with { Previous = null },
            DeployMode.Resume => before?.Previous,
            _ => null,
        };
        SaveDesiredState(prepared, previous);
        EnsureBranches(prepared, task);
        DeployPlan plan = await WaitForNodesAsync(prepared, task).ConfigureAwait(false);
        task.Step("plan", Summary(plan));
        await ProvisionSparesAsync(prepared, plan, task).ConfigureAwait(false);
        Dictionary<(string, int), InstanceRecord> assigned = await AssignNodesAsync(prepared, plan, task).ConfigureAwait(false);
        // Render again now that every instance has its id, node and epoch: links see final values.
        DeployPlan final = PlanNow(prepared);
        ReportLeaves(final, manifest, task);
        var tally = new UpdateTally { RollingBack = mode == DeployMode.Rollback, Resuming = mode == DeployMode.Resume };
        int total = final.Changes.Count(c => c.Action is ChangeAction.Create or ChangeAction.Update);
        try
        {
            foreach (IReadOnlyList<InstanceGroup> wave in Waves(manifest))
            {
                await Task.WhenAll(wave.Select(group => UpdateGroupAsync(group, manifest, final, assigned, task, tally, total))).ConfigureAwait(false);
            }
        }
        catch (GroupUpdateFailedException failed) when (failed.Policy.OnFailure == UpdatePolicy.Rollback && mode != DeployMode.Rollback)
        {
            if (previous is null)
            {
                throw new DirectorException(failed.Kind, $"{failed.Message}; on_failure is rollback, but {manifest.Name} had no earlier deploy to go back to");
            }
            task.Step("rollback", $"{failed.Message}; rolling back to revision {previous.Revision} ({Editions(previous.Stemcells)})");
            Prepared back = PrepareRecorded(previous);
            DeploySummary restored = await ConvergeAsync(back, task, DeployMode.Rollback).ConfigureAwait(false);
            throw new DirectorException(failed.Kind,
                $"{failed.Message}. Rolled back to revision {previous.Revision}: {restored.Updated} instance(s) restored ({restored.Moved} node(s) back on {Editions(previous.Stemcells)}), {restored.Kept} never touched");
        }
        int kept = final.Changes.Count(c => c.Action == ChangeAction.Keep);
        int deleted = plan.Changes.Count(c => c.Action == ChangeAction.Delete);
        task.Step("done", $"{tally.Updated} instance(s) created or updated ({tally.Moved} node(s) onto another edition), {kept} unchanged, {deleted} deleted", total, total);
        return new DeploySummary(manifest.Name, tally.Updated, kept, deleted, tally.Moved, [.. tally.Batches]);
    }

    /// <summary>Instances leaving a node (deleted, or moving off a node that no longer fits) are stopped there
    /// before anything else may hold them: an instance is never live on two nodes.</summary>
    private async Task ReleaseLeavingAsync(DeployPlan plan, TaskContext task)
    {
        string deployment = plan.Deployment;
        foreach (InstanceChange change in plan.Changes.Where(c => c.Action == ChangeAction.Delete || c.FromNode is not null))
        {
            if (director.Store.Instance(deployment, change.Group, change.Index) is not { } record)
            {
                continue;
            }
            if (record.Node is { } holder)
            {
                await _applier.RemoveAsync(holder, new InstanceRef(deployment, change.Group, change.Index, record.Id, record.Epoch), task).ConfigureAwait(false);
            }
            if (change.Action == ChangeAction.Delete)
            {
                director.Store.Begin().Delete(record).Commit();
                task.Step("delete", $"{change.Group}/{change.Index} removed from {record.Node ?? "no node"}");
            }
            else if (record.Node is not null)
            {
                director.Store.Begin().Put(record with { Node = null, Status = InstanceStatus.Orphaned, UpdatedAt = director.Clock.GetUtcNow() }).Commit();
                task.Step("update", $"{change.Group}/{change.Index} released by {record.Node}; it moves to {change.Node}");
            }
        }
    }

    /// <summary>Serial deployments update one group after another; otherwise all groups at once.</summary>
    private static IEnumerable<IReadOnlyList<InstanceGroup>> Waves(DeploymentManifest manifest) =>
        manifest.Update.Serial ? manifest.InstanceGroups.Select(g => (IReadOnlyList<InstanceGroup>)[g]) : [manifest.InstanceGroups];

    /// <summary>BOSH's update block for one group (<see cref="UpdateBatches"/>): canaries first (canary
    /// watch time), then batches of max_in_flight (update watch time), none taking the group below the
    /// block's min_available. Between batches the task may pause (an operator's pause, or
    /// pause_after_canaries once canaries run on a new edition). A failure halts the group.</summary>
    private async Task UpdateGroupAsync(InstanceGroup group, DeploymentManifest manifest, DeployPlan plan, Dictionary<(string, int), InstanceRecord> assigned, TaskContext task, UpdateTally tally, int total)
    {
        UpdatePolicy policy = group.Update ?? manifest.Update;
        List<InstanceChange> changes = [.. plan.Changes.Where(c => c.Group == group.Name && c.Action is ChangeAction.Create or ChangeAction.Update)];
        if (changes.Count == 0)
        {
            return;
        }
        if (tally.Resuming && plan.Changes.Any(c => c.Group == group.Name && c.Action == ChangeAction.Keep))
        {
            // A rollout interrupted by a restart: the instances already there were its canaries (and
            // passed); the rest go on in batches, without canaries again.
            policy = policy with { Canaries = 0 };
        }
        int running = assigned.Values.Count(r => r.Group == group.Name && r.Status == InstanceStatus.Running);
        IReadOnlyList<UpdateBatch<InstanceChange>> batches = UpdateBatches.Plan(changes, change => TakesDown(change, assigned), group.Instances, running, policy, group.Name);
        for (int b = 0; b < batches.Count; b++)
        {
            UpdateBatch<InstanceChange> batch = batches[b];
            string names = string.Join(", ", batch.Items.Select(c => $"{c.Group}/{c.Index}"));
            await task.PausePointAsync($"{group.Name}: paused before {names}; 'ubd rollout resume {task.TaskId}' goes on, 'ubd rollout cancel {task.TaskId}' stops here").ConfigureAwait(false);
            WatchTime watch = batch.Canary ? policy.CanaryWatchTime : policy.UpdateWatchTime;
            InstanceChange[] moving = [.. batch.Items.Where(MovesEdition)];
            task.Step("update", $"{group.Name}: updating {names}{(batch.Canary ? " (canary)" : "")}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Task.WhenAll(batch.Items.Select(async change =>
            {
                InstanceRecord record = assigned[(change.Group, change.Index)];
                try
                {
                    await _applier.ApplyAsync(record, change, watch, group.LeafPolicy, task).ConfigureAwait(false);
                }
                catch (DirectorException failed)
                {
                    director.Store.Begin().Put(record with { Status = InstanceStatus.Failed, UpdatedAt = director.Clock.GetUtcNow() }).Commit();
                    throw new GroupUpdateFailedException(group.Name, policy, failed);
                }
                int n = tally.Done();
                task.Step("update", $"{change.Group}/{change.Index} done", n, total);
            })).ConfigureAwait(false);
            tally.Add(new BatchTiming(group.Name, [.. batch.Items.Select(c => $"{c.Group}/{c.Index}")], batch.Canary, Math.Round(clock.Elapsed.TotalSeconds, 1)), moving.Length);
            if (batch.Canary && moving.Length > 0 && policy.PauseAfterCanaries && b + 1 < batches.Count && !tally.RollingBack)
            {
                task.PauseHere();
                await task.PausePointAsync($"{group.Name}: canaries {names} run on {string.Join(", ", moving.Select(c => c.Layer).Distinct())} (pause_after_canaries); " +
                    $"'ubd rollout resume {task.TaskId}' updates the rest, 'ubd rollout cancel {task.TaskId}' leaves them as they are").ConfigureAwait(false);
            }
        }
    }

    /// <summary>The change moves its node onto another edition (the node reboots): what a rollout is made of.</summary>
    private bool MovesEdition(InstanceChange change) =>
        change.Node is { } node && change.Layer.Length > 0 && director.Tree.Node(node).Edition != director.Tree.Resolve(change.Layer).Name;

    /// <summary>An update of an instance that runs on its node stops it there while it updates; a new
    /// instance, or one that moved to a new node, runs nowhere yet.</summary>
    private static bool TakesDown(InstanceChange change, Dictionary<(string, int), InstanceRecord> assigned) =>
        change.Action == ChangeAction.Update && assigned[(change.Group, change.Index)].Status == InstanceStatus.Running;

    /// <summary>
    /// Gives every instance its node for good. Deploys of different deployments run side by side and
    /// each plan renders every archive, so they would keep taking each other's chosen nodes: the final
    /// choice is made again under one gate, by placement alone (no rendering), and committed there. A
    /// failover move may still take a node meanwhile; the store refuses that commit and the deploy
    /// chooses again.
    /// </summary>
    private async Task<Dictionary<(string, int), InstanceRecord>> AssignNodesAsync(Prepared prepared, DeployPlan plan, TaskContext task)
    {
        DeploymentManifest manifest = prepared.Manifest;
        for (int attempt = 1; ; attempt++)
        {
            await ReleaseLeavingAsync(plan, task).ConfigureAwait(false);
            await _placing.WaitAsync(task.Cancellation).ConfigureAwait(false);
            try
            {
                PlacementPlan placement = Planning.Placement.Plan(manifest, director.Store.Instances(manifest.Name), NodeFacts());
                bool leaving = placement.Removed.Count > 0 || placement.Instances.Any(p => p.Moved);
                if (placement.Complete && !leaving)
                {
                    // Write-ahead: every instance's node and epoch is on disk before any agent hears of it.
                    return Assign(manifest, placement);
                }
            }
            catch (NodeTakenException taken) when (attempt < MaxAssignAttempts)
            {
                task.Step("plan", $"{taken.Message} (taken meanwhile): choosing again");
            }
            catch (NodeTakenException taken)
            {
                throw new DirectorException(DirectorError.Conflict, $"{taken.Message}, and other work kept taking the nodes chosen {MaxAssignAttempts} times: deploy again");
            }
            finally
            {
                _placing.Release();
            }
            // Nodes went away or others took them since the plan: wait for enough, and release what leaves.
            plan = await WaitForNodesAsync(prepared, task).ConfigureAwait(false);
        }
    }

    /// <summary>Gives every instance that needs one its id, node and a new epoch, in one synced batch.</summary>
    private Dictionary<(string, int), InstanceRecord> Assign(DeploymentManifest manifest, PlacementPlan placement)
    {
        var assigned = new Dictionary<(string, int), InstanceRecord>();
        DirectorStore.Change batch = director.Store.Begin();
        DateTimeOffset now = director.Clock.GetUtcNow();
        foreach (PlacedInstance placed in placement.Instances)
        {
            InstanceRecord? record = placed.Existing;
            InstanceGroup group = manifest.InstanceGroups.First(g => g.Name == placed.Group);
            bool newHolder = record is null || record.Node != placed.Node;
            record = record is null
                ? new InstanceRecord(manifest.Name, placed.Group, placed.Index, InstanceApplier.NewId(), placed.Node, director.Store.NextEpoch(), null, InstanceStatus.Assigning, group.Lifecycle, now) { PreferredNode = placed.Node }
                : newHolder ? record with { Node = placed.Node, Epoch = director.Store.NextEpoch(), ArchiveSha256 = null, Status = InstanceStatus.Assigning, UpdatedAt = now, PreferredNode = record.PreferredNode ?? placed.Node, OrphanedAt = null }
                : record;
            if (newHolder)
            {
                batch.Put(record);
            }
            assigned[(placed.Group, placed.Index)] = record;
        }
        batch.Commit();
        return assigned;
    }

    private async Task<DeployPlan> WaitForNodesAsync(Prepared prepared, TaskContext task)
    {
        DeployPlan plan = PlanNow(prepared);
        if (plan.Shortfalls.Count == 0)
        {
            return plan;
        }
        foreach (Shortfall shortfall in plan.Shortfalls)
        {
            InstanceGroup group = prepared.Manifest.InstanceGroups.First(g => g.Name == shortfall.Group);
            string said = await director.Provider.ProvisionAsync(group, prepared.Input.GroupLayers[group.Name], shortfall.Missing, task.Cancellation).ConfigureAwait(false);
            task.Step("nodes", $"{director.Provider.Name}: {said}");
        }
        DateTimeOffset deadline = director.Clock.GetUtcNow() + director.NodeWait;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), director.Clock, task.Cancellation).ConfigureAwait(false);
            prepared = prepared with { Input = prepared.Input with { Nodes = NodeFacts(), Addresses = Addresses() } };
            plan = PlanNow(prepared);
            if (plan.Shortfalls.Count == 0)
            {
                task.Step("nodes", "every instance has a node");
                return plan;
            }
            if (director.Clock.GetUtcNow() > deadline)
            {
                throw new DirectorException(DirectorError.Unavailable, "not enough nodes after " + director.NodeWait.TotalMinutes + " minutes: "
                    + string.Join("; ", plan.Shortfalls.Select(s => $"{s.Group} needs {s.Missing} more ({s.Needs})")) + ". Boot more stem cells (or label them) and deploy again");
            }
        }
    }

    /// <param name="previous">What a rollback of this deploy returns to (kept in the record, so a director
    /// restart mid-rollout still knows it).</param>
    private void SaveDesiredState(Prepared prepared, DeploymentRecord? previous)
    {
        DeploymentManifest manifest = prepared.Manifest;
        DeploymentRecord? current = director.Store.Deployment(manifest.Name);
        DirectorStore.Change change = director.Store.Begin().Put(new DeploymentRecord(manifest.Name, prepared.Yaml, prepared.File,
            prepared.Input.Stemcells, prepared.Input.Releases, (current?.Revision ?? 0) + 1, director.Clock.GetUtcNow()) { Previous = previous });
        foreach ((string key, string value) in prepared.Kept)
        {
            change.PutVariable(manifest.Name, key, value);
        }
        change.Commit();
    }

    /// <summary>
    /// A group with a branch gets it created over its stemcell edition, or — when the branch exists over
    /// another edition — its next edition over that one, carrying the branch's blocks (a refresh; a
    /// rollback moves it back the same way).
    /// </summary>
    private void EnsureBranches(Prepared prepared, TaskContext task)
    {
        foreach (InstanceGroup group in prepared.Manifest.InstanceGroups.Where(g => g.Branch is not null))
        {
            string stemcell = prepared.Input.Stemcells[group.Stemcell];
            if (director.Tree.LatestEdition(group.Branch!) is not { } latest)
            {
                string created = director.Tree.CreateBranch(group.Branch!, stemcell).Name;
                task.Step("layers", $"branch {created} created over {stemcell} for group {group.Name}");
                continue;
            }
            if (director.Tree.Describe(latest).Parent == director.Tree.Resolve(stemcell).Name)
            {
                continue;
            }
            var anyDirection = new ImageTree.Tree.RefreshOptions { Kind = UnionBlock.Store.LayerKind.Branch, AllowDowngrade = true, OtherLineage = true };
            string moved = director.Tree.Refresh(latest.Name, stemcell, atNextBoot: false, anyDirection).Layer;
            task.Step("layers", $"branch {moved} made over {stemcell} from {latest.Name} for group {group.Name}");
        }
    }

    private static string Summary(DeployPlan plan) =>
        string.Join(", ", plan.Changes.GroupBy(c => c.Action).Select(g => $"{g.Count()} to {g.Key.ToString().ToLowerInvariant()}"));

    /// <summary>A fresh random secret for a declared password variable.</summary>
    private static string GeneratePassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
}
