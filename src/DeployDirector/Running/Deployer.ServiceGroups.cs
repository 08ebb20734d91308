using System.Collections.Concurrent;
using DeployDirector.Manifest;
using DeployDirector.Planning;
using DeployDirector.ServiceGroups;
using DeployDirector.State;
using DeployDirector.Tasks;

namespace DeployDirector.Running;

/// <summary>What the service-group supervisor asks of deployments: their stored manifests, policies,
/// archives rendered for a new holder, and redeploys when autoscaling changes a group's size.</summary>
public sealed partial class Deployer
{
    private readonly ConcurrentDictionary<string, (int Revision, Prepared Prepared)> _stored = new(StringComparer.Ordinal);

    /// <summary>The deployment's manifest as last deployed, pinned to the stemcells and releases that
    /// deploy chose (a release uploaded since does not leak into a failover); cached per revision.</summary>
    internal Prepared? Stored(string deployment)
    {
        if (director.Store.Deployment(deployment) is not { } record)
        {
            _stored.TryRemove(deployment, out _);
            return null;
        }
        if (_stored.TryGetValue(deployment, out (int Revision, Prepared Prepared) cached) && cached.Revision == record.Revision)
        {
            return cached.Prepared;
        }
        if (Prepare(record.ManifestYaml, record.ManifestFile, null, out _) is not { } prepared)
        {
            return null;
        }
        var layers = prepared.Manifest.InstanceGroups.ToDictionary(g => g.Name, g => g.Branch ?? record.Stemcells.GetValueOrDefault(g.Stemcell, prepared.Input.GroupLayers[g.Name]), StringComparer.Ordinal);
        prepared = prepared with { Input = prepared.Input with { Stemcells = record.Stemcells, Releases = record.Releases, GroupLayers = layers } };
        _stored[deployment] = (record.Revision, prepared);
        return prepared;
    }

    /// <summary>The deployment's service groups as last deployed (errand groups have no failover).</summary>
    internal IReadOnlyList<InstanceGroup> ServiceGroups(string deployment) =>
        Stored(deployment) is { } prepared ? [.. prepared.Manifest.InstanceGroups.Where(g => g.Lifecycle == Contracts.Lifecycle.Service)] : [];

    /// <summary>The supervisor's reading of a group's manifest.</summary>
    public static GroupPolicy Policy(InstanceGroup group) => new()
    {
        Instances = group.Instances,
        Spares = group.Spares,
        HeartbeatMs = group.Failover.HeartbeatMs,
        SuspectAfter = group.Failover.SuspectAfter,
        DeadAfter = group.Failover.DeadAfter,
        LeaseMs = group.Failover.LeaseMs,
        Fence = group.Failover.Fence,
        GiveBack = group.Failover.GiveBack,
        FailingAfterMs = group.Failover.FailingAfterMs,
        OrphanAlertMs = group.Failover.OrphanAlertMs,
        MeltdownSharePercent = group.Failover.Meltdown?.SharePercent,
        MeltdownWindowMs = group.Failover.Meltdown?.WindowMs ?? 0,
        Metric = group.Balance.Metric,
        HighWaterPercent = group.Balance.HighWaterPercent,
        LowWaterPercent = group.Balance.LowWaterPercent,
        MinAvailable = group.Balance.MinAvailable,
        BalanceIntervalMs = group.Balance.IntervalMs,
        MaxMoves = group.Balance.MaxMoves,
        Autoscale = group.Autoscale is { } a ? new ScalePolicy(a.Min, a.Max, a.ScaleOutAbovePercent, a.ScaleInBelowPercent, a.CooldownMs, a.DeleteReleased) : null,
    };

    /// <summary>The instance's archive as its current record places it (the record names its new holder).</summary>
    internal InstanceChange? RenderFor(InstanceRecord record) => RenderAt(record, record.Node!);

    /// <summary>The instance's archive as it would be on <paramref name="node"/> (a hot spare's copy).</summary>
    internal InstanceChange? RenderAt(InstanceRecord record, string node)
    {
        if (Stored(record.Deployment) is not { } prepared)
        {
            return null;
        }
        List<InstanceRecord> existing = [.. director.Store.Instances(record.Deployment).Select(i => i.Key == record.Key ? record with { Node = node } : i)];
        (IReadOnlyList<NodeFacts> nodes, IReadOnlyDictionary<string, string> addresses) = FactsOf(existing);
        DeployPlan plan = DeployPlanner.Plan(prepared.Input with { Existing = existing, Nodes = nodes, Addresses = addresses },
            input => director.Archives.Render(prepared.Manifest, prepared.Input.Releases, input), (g, i) => g == record.Group && i == record.Index);
        return plan.Changes.FirstOrDefault(c => c.Group == record.Group && c.Index == record.Index && c.Node == node && c.Archive is not null);
    }

    /// <summary>Hot spares need idle nodes too: a provider that makes nodes (qemu) is asked for the
    /// ones missing; the supervisor designates them once their agents register. Nothing waits for them.</summary>
    private async Task ProvisionSparesAsync(Prepared prepared, DeployPlan plan, TaskContext task)
    {
        IReadOnlyList<NodeFacts> nodes = NodeFacts();
        HashSet<string> used = [.. plan.Changes.Where(c => c.Node is not null).Select(c => c.Node!)];
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (InstanceGroup group in prepared.Manifest.InstanceGroups.Where(g => g.Spares > 0 && g.Lifecycle == Contracts.Lifecycle.Service))
        {
            string key = $"{prepared.Manifest.Name}/{group.Name}";
            int have = 0;
            foreach (NodeFacts node in nodes.Where(n => n.Alive && !n.Closed && n.HeldBy is null && !used.Contains(n.Mac) && !claimed.Contains(n.Mac)
                && (n.SpareFor is null || n.SpareFor == key) && Planning.Placement.Fits(group, n)).OrderBy(n => n.SpareFor == key ? 0 : 1).Take(group.Spares))
            {
                claimed.Add(node.Mac);
                have++;
            }
            // Nodes a provider started that have not registered yet count too.
            int coming = director.Nodes.All().Count(n => n.RegisteredAt is null && n.Provider == director.Provider.Name && director.Provider.Name != "pxe");
            int missing = group.Spares - have - coming;
            if (missing > 0)
            {
                string said = await director.Provider.ProvisionAsync(group, prepared.Input.GroupLayers[group.Name], missing, task.Cancellation).ConfigureAwait(false);
                task.Step("nodes", $"{director.Provider.Name}: {said} (hot spares of {group.Name})");
            }
        }
    }

    /// <summary>Runs the deployment's stored manifest again (autoscaling changed a group's size).</summary>
    internal DirectorTaskRecord? Redeploy(string deployment, string why)
    {
        if (director.Store.Deployment(deployment) is not { } record || Prepare(record.ManifestYaml, record.ManifestFile, null, out _) is not { } prepared)
        {
            return null;
        }
        return director.Tasks.Start("deploy", deployment, $"deploy {deployment} again: {why}", context => DeployAsync(prepared, context));
    }

    /// <summary>Groups sized by autoscaling keep that size (within the manifest's min..max) across deploys.</summary>
    private DeploymentManifest Scaled(DeploymentManifest manifest)
    {
        var scaled = director.Store.Groups(manifest.Name).Where(g => g.ScaledInstances is not null).ToDictionary(g => g.Group, g => g.ScaledInstances!.Value, StringComparer.Ordinal);
        if (scaled.Count == 0)
        {
            return manifest;
        }
        return manifest with
        {
            InstanceGroups = [.. manifest.InstanceGroups.Select(g => scaled.TryGetValue(g.Name, out int count) && AutoscaleBounds(g) is { } bounds
                ? g with { Instances = Math.Clamp(count, bounds.Min, bounds.Max) }
                : g)],
        };
    }

    private static (int Min, int Max)? AutoscaleBounds(InstanceGroup group) => Policy(group).Autoscale is { } scale ? (scale.Min, scale.Max) : null;
}
