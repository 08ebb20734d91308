using DeployDirector.Manifest;
using DeployDirector.Providers;
using DeployDirector.State;
using Microsoft.Extensions.Logging;

namespace DeployDirector.ServiceGroups;

/// <summary>
/// Autoscaling's two halves outside the decisions: a new size is written and the deployment runs
/// again (scaling out, the deploy asks the provider for nodes); scaling in, the nodes of the
/// instances past the new size are quiesced (they drain: off endpoint lists, nothing new), the
/// redeploy stops and deletes those instances, and once a node holds nothing it goes back to its
/// provider — a VM deleted with its leaf kept or deleted per the group's <c>release</c>, bare metal
/// back to the idle pool. What is still to release is in the group's record, so a director restart
/// carries on with it.
/// </summary>
public sealed partial class ServiceGroupSupervisor
{
    /// <summary>How long a release that failed waits before it is tried again.</summary>
    private static readonly TimeSpan RetryReleaseAfter = TimeSpan.FromSeconds(30);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _releasing = new(StringComparer.Ordinal);

    /// <summary>False once a round found nothing to release (true at start: a restart may find some).</summary>
    private volatile bool _anyReleasing = true;

    private void Scale(ScaleGroup scale)
    {
        (string deployment, string group) = SplitGroup(scale.Group);
        DateTimeOffset now = _director.Clock.GetUtcNow();
        GroupRecord record = _director.Store.Group(deployment, group) ?? new GroupRecord(deployment, group, null, 0, null, now);
        string[] leaving = [.. _director.Store.Instances(deployment)
            .Where(i => i.Group == group && i.Index >= scale.Instances && i.Node is not null)
            .Select(i => i.Node!)];
        foreach (string mac in leaving)
        {
            _director.Nodes.Update(mac, n => n with { Quiesced = true });
        }
        _director.Store.Begin().Put(record with
        {
            ScaledInstances = scale.Instances,
            Releasing = [.. record.Releasing.Union(leaving, StringComparer.Ordinal)],
            UpdatedAt = now,
        }).Commit();
        _anyReleasing |= leaving.Length > 0;
        Events.Add(scale.Group, "scale", scale.Reason + (leaving.Length > 0 ? $"; draining {string.Join(", ", leaving)}" : ""));
        _deployer.Redeploy(deployment, scale.Reason);
    }

    /// <summary>Gives back the drained nodes that hold nothing any more (never while a deploy of their
    /// deployment runs); a node that holds an instance within the group's size again (the group
    /// scaled out before the release) is kept and unquiesced.</summary>
    private void ReleaseScaledIn(SupervisorView view, Dictionary<string, Manifest.InstanceGroup> groups)
    {
        if (!_anyReleasing)
        {
            return;
        }
        IReadOnlyList<GroupRecord> pending = [.. _director.Store.AllGroups().Where(g => g.Releasing.Count > 0)];
        _anyReleasing = pending.Count > 0;
        var heldBy = view.Nodes.Where(n => n.HeldBy is not null).ToDictionary(n => n.Mac, n => n.HeldBy!, StringComparer.Ordinal);
        foreach (GroupRecord record in pending)
        {
            GroupView? group = view.Groups.FirstOrDefault(g => g.Key == record.Key);
            if (group?.Busy == true)
            {
                continue;
            }
            bool deleteLeaf = groups.TryGetValue(record.Key, out Manifest.InstanceGroup? manifest) && Running.Deployer.Policy(manifest).Autoscale?.DeleteReleased == true;
            foreach (string mac in record.Releasing)
            {
                if (heldBy.TryGetValue(mac, out string? held))
                {
                    if (record.ScaledInstances is { } size && held.StartsWith(record.Key + "/", StringComparison.Ordinal) && Split(held).Index < size)
                    {
                        Forget(record.Key, mac);
                        _director.Nodes.Update(mac, n => n with { Quiesced = false });
                        Events.Add(record.Key, "release-dropped", $"{mac} holds {held}, which the group wants again: it stays, unquiesced");
                    }
                    continue;
                }
                if (_releasing.TryGetValue(mac, out DateTimeOffset since) && (since == DateTimeOffset.MaxValue || view.Now - since < RetryReleaseAfter))
                {
                    continue;
                }
                _releasing[mac] = DateTimeOffset.MaxValue;
                _ = Task.Run(() => ReleaseAsync(record.Key, mac, deleteLeaf));
            }
        }
    }

    private async Task ReleaseAsync(string groupKey, string mac, bool deleteLeaf)
    {
        try
        {
            NodeRelease release = _director.Nodes.Find(mac) is null
                ? new NodeRelease(true, $"{mac} is gone already")
                : await _director.Provider.ReleaseAsync(mac, deleteLeaf, _stop.Token).ConfigureAwait(false);
            if (!release.Deleted && _director.Nodes.Find(mac) is not null)
            {
                _director.Nodes.Update(mac, n => n with { Quiesced = false });
            }
            Forget(groupKey, mac);
            _releasing.TryRemove(mac, out _);
            Events.Add(groupKey, "node-released", release.Said);
        }
        catch (Exception e) when (e is DirectorException or IOException or UnionBlock.Store.StoreException or OperationCanceledException)
        {
            _releasing[mac] = _director.Clock.GetUtcNow();
            _director.Log.LogRoundFailed($"giving {mac} back failed: {e.Message}");
            Events.Add(groupKey, "alert:release-failed", $"{mac} could not be given back ({e.Message}); trying again in {RetryReleaseAfter.TotalSeconds:0} s");
        }
    }

    /// <summary>Takes a node off the group's list of nodes to release.</summary>
    private void Forget(string groupKey, string mac)
    {
        lock (_round)
        {
            (string deployment, string group) = SplitGroup(groupKey);
            if (_director.Store.Group(deployment, group) is { } record && record.Releasing.Contains(mac, StringComparer.Ordinal))
            {
                _director.Store.Begin().Put(record with { Releasing = [.. record.Releasing.Where(m => m != mac)], UpdatedAt = _director.Clock.GetUtcNow() }).Commit();
            }
        }
    }
}
