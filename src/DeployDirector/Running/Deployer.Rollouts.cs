using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.State;
using DeployDirector.Tasks;
using ImageTree.Tree;

namespace DeployDirector.Running;

/// <summary>How a converge treats the deployment's desired state.</summary>
internal enum DeployMode
{
    /// <summary>A new desired state: the current one becomes what a rollback returns to.</summary>
    Fresh,

    /// <summary>Finishing the recorded desired state (a rollout interrupted by a director restart).</summary>
    Resume,

    /// <summary>Going back to the previous desired state; it is not rolled back again if it fails.</summary>
    Rollback,
}

/// <summary>What a deploy or rollout did.</summary>
/// <param name="Moved">Nodes that rebooted onto another edition.</param>
public sealed record DeploySummary(string Deployment, int Updated, int Kept, int Deleted, int Moved, IReadOnlyList<BatchTiming> Batches);

/// <summary>One batch of a group's update and how long it took (reboots and watch included).</summary>
public sealed record BatchTiming(string Group, IReadOnlyList<string> Instances, bool Canary, double Seconds);

/// <summary>A group's update failed; its update block says what happens next (halt or rollback).</summary>
internal sealed class GroupUpdateFailedException(string group, UpdatePolicy policy, DirectorException inner)
    : DirectorException(inner.Kind, $"group {group}: {inner.Message}")
{
    public UpdatePolicy Policy { get; } = policy;
}

/// <summary>Counts shared by the groups of one converge (they update side by side).</summary>
internal sealed class UpdateTally
{
    private readonly List<BatchTiming> _batches = [];
    private int _done;
    private int _moved;

    /// <summary>A rollback does not stop for pause_after_canaries: it goes back at once.</summary>
    public bool RollingBack { get; init; }

    /// <summary>Finishing a rollout a restart interrupted: groups already partly moved have had their canaries.</summary>
    public bool Resuming { get; init; }

    public int Updated => Volatile.Read(ref _done);

    public int Moved => Volatile.Read(ref _moved);

    public IReadOnlyList<BatchTiming> Batches
    {
        get
        {
            lock (_batches)
            {
                return [.. _batches];
            }
        }
    }

    public int Done() => Interlocked.Increment(ref _done);

    public void Add(BatchTiming batch, int moved)
    {
        Interlocked.Add(ref _moved, moved);
        lock (_batches)
        {
            _batches.Add(batch);
        }
    }
}

/// <summary>A rollout as planned: per group its batches, and the node writes the new edition collides with.</summary>
public sealed record RolloutPlan(string Deployment, IReadOnlyDictionary<string, string> From, IReadOnlyDictionary<string, string> To,
    IReadOnlyList<RolloutGroupPlan> Groups, IReadOnlyList<LeafConflict> Conflicts);

public sealed record RolloutGroupPlan(string Group, string LeafPolicy, bool PauseAfterCanaries, string OnFailure, IReadOnlyList<RolloutBatchPlan> Batches);

/// <summary>One batch: its instances as GROUP/INDEX@NODE, and whether they are canaries.</summary>
public sealed record RolloutBatchPlan(bool Canary, IReadOnlyList<string> Instances);

/// <summary>Blocks a node wrote that the new edition changed too (the node's own blocks win after the move).</summary>
public sealed record LeafConflict(string Instance, string Node, string Leaf, string From, string To, int Extents, long Bytes);

public sealed partial class Deployer
{
    /// <summary>How long a rollout resumed after a restart waits for its nodes' agents before it plans.</summary>
    public static readonly TimeSpan ResumeWait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Moves a deployment onto <paramref name="to"/> (an edition, or a lineage for its latest): every
    /// stemcell alias pinned to an edition of the same lineage is pinned to it instead, and the deployment
    /// is deployed again from its recorded manifest — canaries, batches, watch times, pause and
    /// on_failure as its update block says. Nothing else in the manifest changes.
    /// </summary>
    /// <param name="acceptConflicts">Move nodes that keep their leaf even where they wrote blocks the new edition
    /// changes too; without it such a rollout is refused before it starts.</param>
    public DirectorTaskRecord Rollout(string deployment, string to, bool acceptConflicts = false)
    {
        (DeploymentRecord record, Pins pins) = RolloutPins(deployment, to);
        Prepared prepared = PrepareOrThrow(record.ManifestYaml, record.ManifestFile, pins);
        if (!acceptConflicts && Conflicts(PlanNow(prepared), prepared.Manifest) is { Count: > 0 } conflicts)
        {
            // A file system keeps shared metadata (inode tables, bitmaps, the journal) in blocks that every
            // booted node writes: a kept leaf's copies would hide the patch's there, and mix two file systems.
            throw new DirectorException(DirectorError.Conflict,
                $"{conflicts.Count} node(s) keeping their leaf wrote blocks that {conflicts[0].To} changes too: " +
                string.Join(", ", conflicts.Take(5).Select(c => $"{c.Instance} on {c.Node} ({c.Extents} extent(s), {c.Bytes} bytes)")) + (conflicts.Count > 5 ? ", …" : "") +
                ". Their own blocks would win over the patch's there. Nothing moved: give stateless groups leaf_policy: reset, or roll out with --accept-conflicts ('ubd rollout plan' lists them all)");
        }
        return director.Tasks.Start("rollout", deployment, $"rollout of {deployment} onto {Editions(pins.Stemcells)}",
            async task => System.Text.Json.JsonSerializer.Serialize(await ConvergeAsync(prepared, task, DeployMode.Fresh).ConfigureAwait(false), Api.DirectorJson.Options));
    }

    /// <summary>What <see cref="Rollout"/> would do, and which node writes the new edition collides with; writes nothing.</summary>
    public RolloutPlan PlanRollout(string deployment, string to)
    {
        (DeploymentRecord record, Pins pins) = RolloutPins(deployment, to);
        Prepared prepared = PrepareOrThrow(record.ManifestYaml, record.ManifestFile, pins);
        DeployPlan plan = PlanNow(prepared);
        if (plan.Shortfalls.Count > 0)
        {
            throw new DirectorException(DirectorError.Unavailable, "the rollout would need more nodes first: " + string.Join("; ", plan.Shortfalls.Select(s => $"{s.Group} needs {s.Missing} more ({s.Needs})")));
        }
        var records = director.Store.Instances(deployment).ToDictionary(r => (r.Group, r.Index));
        var groups = new List<RolloutGroupPlan>();
        foreach (InstanceGroup group in prepared.Manifest.InstanceGroups)
        {
            UpdatePolicy policy = group.Update ?? prepared.Manifest.Update;
            List<InstanceChange> changes = [.. plan.Changes.Where(c => c.Group == group.Name && c.Action is ChangeAction.Create or ChangeAction.Update)];
            int running = records.Values.Count(r => r.Group == group.Name && r.Status == InstanceStatus.Running);
            IReadOnlyList<UpdateBatch<InstanceChange>> batches = UpdateBatches.Plan(changes,
                c => c.Action == ChangeAction.Update && records.GetValueOrDefault((c.Group, c.Index))?.Status == InstanceStatus.Running, group.Instances, running, policy, group.Name);
            groups.Add(new RolloutGroupPlan(group.Name, group.LeafPolicy, policy.PauseAfterCanaries, policy.OnFailure,
                [.. batches.Select(b => new RolloutBatchPlan(b.Canary, [.. b.Items.Select(c => $"{c.Group}/{c.Index}@{c.Node}")]))]));
        }
        return new RolloutPlan(deployment, record.Stemcells, prepared.Input.Stemcells, groups, Conflicts(plan, prepared.Manifest));
    }

    /// <summary>Rollouts that were running when the director stopped go on by themselves from the recorded
    /// desired state (what already moved is kept, the rest moves; a paused one starts paused).</summary>
    public void ResumeInterruptedRollouts()
    {
        foreach (DirectorTaskRecord interrupted in director.Tasks.Interrupted.Where(t => t.Kind == "rollout"))
        {
            if (director.Store.Deployment(interrupted.Deployment) is not { } record)
            {
                continue;
            }
            bool paused = interrupted.State == DirectorTaskState.Paused;
            director.Tasks.Start("rollout", record.Name, $"rollout of {record.Name} onto {Editions(record.Stemcells)}, resumed after a director restart (task {interrupted.Id})", async task =>
            {
                await WaitForAgentsAsync(record.Name, task).ConfigureAwait(false);
                if (paused)
                {
                    task.PauseHere();
                }
                Prepared prepared = PrepareRecorded(record);
                return System.Text.Json.JsonSerializer.Serialize(await ConvergeAsync(prepared, task, DeployMode.Resume).ConfigureAwait(false), Api.DirectorJson.Options);
            });
        }
    }

    /// <summary>After a restart, agents come back within seconds; planning before they do would count their nodes as lost.</summary>
    private async Task WaitForAgentsAsync(string deployment, TaskContext task)
    {
        string[] nodes = [.. director.Store.Instances(deployment).Select(i => i.Node).OfType<string>().Distinct()];
        task.Step("resume", $"waiting for the agents of {nodes.Length} node(s) to register again");
        DateTimeOffset deadline = director.Clock.GetUtcNow() + ResumeWait;
        while (!nodes.All(director.Hub.IsAlive) && director.Clock.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), director.Clock, task.Cancellation).ConfigureAwait(false);
        }
        string[] missing = [.. nodes.Where(n => !director.Hub.IsAlive(n))];
        task.Step("resume", missing.Length == 0 ? "every node's agent is back" : $"still silent after {ResumeWait.TotalSeconds:0} s: {string.Join(", ", missing)}");
    }

    /// <summary>The recorded manifest with its own pins (a rollback's target, or a resumed rollout's).</summary>
    private Prepared PrepareRecorded(DeploymentRecord record) =>
        PrepareOrThrow(record.ManifestYaml, record.ManifestFile, new Pins(record.Stemcells, record.Releases));

    private Prepared PrepareOrThrow(string yaml, string file, Pins pins) =>
        Prepare(yaml, file, null, out IReadOnlyList<ManifestError> errors, pins)
        ?? throw new DirectorException(DirectorError.Invalid, "the recorded manifest no longer validates: " + string.Join("; ", errors.Select(e => e.ToString())));

    private (DeploymentRecord Record, Pins Pins) RolloutPins(string deployment, string to)
    {
        DeploymentRecord record = director.Store.Deployment(deployment)
            ?? throw new DirectorException(DirectorError.NotFound, $"no deployment named '{deployment}'; 'ubd deployment list' lists them");
        UnionBlock.Store.LayerRecord target = director.Tree.TryResolve(to)
            ?? throw new DirectorException(DirectorError.NotFound, $"no edition or lineage named '{to}'; 'ubd image editions' lists them");
        if (target.Lineage is not { } lineage)
        {
            throw new DirectorException(DirectorError.Invalid, $"'{target.Name}' is not an edition (a {target.Kind.ToString().ToLowerInvariant()}); a rollout moves nodes onto an edition");
        }
        var stemcells = new Dictionary<string, string>(record.Stemcells, StringComparer.Ordinal);
        string[] aliases = [.. record.Stemcells.Where(s => director.Tree.TryResolve(s.Value)?.Lineage == lineage).Select(s => s.Key)];
        if (aliases.Length == 0)
        {
            throw new DirectorException(DirectorError.Invalid,
                $"{deployment} boots no edition of '{lineage}' (its stemcells: {Editions(record.Stemcells)}); roll out an edition of one of those lineages, or change the manifest");
        }
        foreach (string alias in aliases)
        {
            stemcells[alias] = target.Name;
        }
        return (record, new Pins(stemcells, record.Releases));
    }

    /// <summary>Before any node moves, says what each group's leaf policy will do with the nodes' own writes.</summary>
    private void ReportLeaves(DeployPlan plan, DeploymentManifest manifest, TaskContext task)
    {
        foreach (LeafConflict conflict in Conflicts(plan, manifest))
        {
            task.Step("conflicts", $"{conflict.Instance} on {conflict.Node}: {conflict.Extents} extent(s), {conflict.Bytes} bytes written by the node that {conflict.To} also changes (the node's own blocks win)");
        }
        foreach (InstanceGroup group in manifest.InstanceGroups.Where(g => g.LeafPolicy == LeafPolicies.Reset))
        {
            int resets = plan.Changes.Count(c => c.Group == group.Name && c.Action == ChangeAction.Update && MovesEdition(c));
            if (resets > 0)
            {
                task.Step("conflicts", $"{group.Name}: leaf_policy reset: {resets} node(s) get a fresh leaf over the new edition (their own writes are discarded)");
            }
        }
    }

    /// <summary>For nodes that keep their leaf across the move: the blocks both they and the new edition changed.</summary>
    private List<LeafConflict> Conflicts(DeployPlan plan, DeploymentManifest manifest)
    {
        var conflicts = new List<LeafConflict>();
        foreach (InstanceChange change in plan.Changes.Where(c => c.Action == ChangeAction.Update && MovesEdition(c)))
        {
            if (manifest.InstanceGroups.First(g => g.Name == change.Group).LeafPolicy != LeafPolicies.Keep)
            {
                continue;
            }
            NodeInfo node = director.Tree.Node(change.Node!);
            RefreshConflicts found = director.Tree.Conflicts(node.Leaf, change.Layer);
            if (found.Extents.Count > 0)
            {
                conflicts.Add(new LeafConflict($"{change.Group}/{change.Index}", node.Mac, node.Leaf, found.From, found.To, found.Extents.Count, found.Bytes));
            }
        }
        return conflicts;
    }

    private static string Editions(IReadOnlyDictionary<string, string> stemcells) => string.Join(", ", stemcells.Values.Distinct().Order(StringComparer.Ordinal));
}
