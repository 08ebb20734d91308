using System.Text.Json.Nodes;

namespace DeployDirector.Manifest;

/// <summary>Where something stands in the manifest file (1-based), for errors found after parsing.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>
/// A deployment manifest, BOSH v2 in shape, adapted to images: which jobs of which releases run on
/// how many nodes of which image edition, and how changes roll out. Built by
/// <c>ManifestLoader</c> after total validation; never half-valid.
/// </summary>
public sealed record DeploymentManifest
{
    public required string Name { get; init; }

    public required IReadOnlyList<ReleaseRef> Releases { get; init; }

    public required IReadOnlyList<StemcellRef> Stemcells { get; init; }

    public required UpdatePolicy Update { get; init; }

    public IReadOnlyList<VariableDeclaration> Variables { get; init; } = [];

    public required IReadOnlyList<InstanceGroup> InstanceGroups { get; init; }
}

/// <param name="Version">An uploaded version, or "latest" (pinned to the newest at deploy time).</param>
public sealed record ReleaseRef(string Name, string Version, SourcePosition Position);

/// <param name="Edition">An image edition (<c>stemcell@2</c>) or a lineage (<c>stemcell</c>: its latest
/// edition, pinned at deploy time).</param>
public sealed record StemcellRef(string Alias, string Edition, SourcePosition Position);

/// <summary>A declared variable: <c>password</c> ones are generated and kept by the director when no
/// value is given; <c>string</c> ones must be given (variables file or API).</summary>
public sealed record VariableDeclaration(string Name, string Type, SourcePosition Position);

/// <summary>BOSH's update block.</summary>
/// <param name="MinAvailable">Service groups: the fewest running instances a rollout may leave (issue: rollouts).</param>
/// <param name="PauseAfterCanaries">A rollout (a deploy that changes what nodes boot) stops after each group's
/// canaries until an operator resumes it.</param>
/// <param name="OnFailure">halt (leave the failed and the already moved as they are) or rollback (bring every
/// instance the task changed back to the previous deploy, its nodes onto their previous editions).</param>
public sealed record UpdatePolicy(int Canaries, MaxInFlight MaxInFlight, WatchTime CanaryWatchTime, WatchTime UpdateWatchTime, bool Serial, int? MinAvailable = null,
    bool PauseAfterCanaries = false, string OnFailure = UpdatePolicy.Halt)
{
    public const string Halt = "halt";
    public const string Rollback = "rollback";

    public static UpdatePolicy Default { get; } = new(1, new MaxInFlight(1, null), new WatchTime(1000, 30_000), new WatchTime(1000, 30_000), true);
}

/// <summary>How many instances may update at once: a count, or a percentage of the group (at least 1).</summary>
public sealed record MaxInFlight(int? Count, int? Percent)
{
    public int For(int instances) => Count ?? Math.Max(1, (int)Math.Floor(instances * (Percent ?? 100) / 100.0));

    public override string ToString() => Count is { } count ? count.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Percent}%";
}

/// <summary><c>low-high</c> in milliseconds (a single number means low = high): how long to watch an
/// updated instance; it must be healthy by <see cref="HighMs"/> and stay healthy from <see cref="LowMs"/>.</summary>
public sealed record WatchTime(int LowMs, int HighMs)
{
    public override string ToString() => LowMs == HighMs ? $"{LowMs}" : $"{LowMs}-{HighMs}";
}

/// <summary>One instance group: <see cref="Instances"/> nodes running the same jobs.</summary>
/// <param name="Branch">Optional lineage of a branch for the group (its nodes' leaves sit on it; created
/// over the stemcell edition when missing).</param>
/// <param name="Spares">Hot spares kept prepared (service groups issue).</param>
public sealed record InstanceGroup
{
    public required string Name { get; init; }

    public required int Instances { get; init; }

    public int Spares { get; init; }

    /// <summary>A stemcell alias of <see cref="DeploymentManifest.Stemcells"/>.</summary>
    public required string Stemcell { get; init; }

    public string? Branch { get; init; }

    /// <summary><see cref="Contracts.Lifecycle.Service"/> or <see cref="Contracts.Lifecycle.Errand"/>.</summary>
    public string Lifecycle { get; init; } = Contracts.Lifecycle.Service;

    public Placement Placement { get; init; } = Placement.Anywhere;

    public Resources Resources { get; init; } = Resources.None;

    public required IReadOnlyList<JobRef> Jobs { get; init; }

    /// <summary>The group's own update block, when it overrides the deployment's.</summary>
    public UpdatePolicy? Update { get; init; }

    /// <summary>What a node's own writes do when it moves to another edition: <see cref="LeafPolicies.Keep"/>
    /// (its leaf goes along, over the new edition) or <see cref="LeafPolicies.Reset"/> (a fresh, empty leaf).</summary>
    public string LeafPolicy { get; init; } = LeafPolicies.Keep;

    /// <summary>How lost members are noticed and their instances moved (errand groups keep the default, unused).</summary>
    public FailoverPolicy Failover { get; init; } = FailoverPolicy.Default;

    public BalancePolicy Balance { get; init; } = BalancePolicy.Default;

    /// <summary>Null when the group keeps its <see cref="Instances"/> fixed.</summary>
    public AutoscalePolicy? Autoscale { get; init; }

    /// <summary>Named TCP ports the group's jobs listen on, for endpoint lists and DNS SRV records.</summary>
    public IReadOnlyDictionary<string, int> Ports { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, int>.Empty;

    public required SourcePosition Position { get; init; }

    /// <summary>Where <c>instances:</c> and <c>placement:</c> stand (placement errors point there).</summary>
    public SourcePosition InstancesPosition { get; init; }

    public SourcePosition PlacementPosition { get; init; }
}

/// <summary>Which nodes may hold the group's instances: every label must match; instances spread over
/// the values of <see cref="FailureDomain"/> (a label name, e.g. <c>zone</c>).</summary>
public sealed record Placement(IReadOnlyDictionary<string, string> Labels, string? FailureDomain)
{
    public static Placement Anywhere { get; } = new(new Dictionary<string, string>(), null);
}

/// <summary>The least a node must have.</summary>
public sealed record Resources(int Cores, long MemoryBytes)
{
    public static Resources None { get; } = new(0, 0);
}

/// <summary>A job of a release, with its properties and links.</summary>
/// <param name="Properties">Nested properties as given (interpolated, YAML scalars typed: numbers, booleans, null).</param>
/// <param name="Provides">Link name (as the job's spec names it) → the name it is published as.</param>
/// <param name="Consumes">Link name (as the job's spec names it) → where it comes from.</param>
public sealed record JobRef(
    string Name,
    string Release,
    JsonObject Properties,
    IReadOnlyDictionary<string, string> Provides,
    IReadOnlyDictionary<string, LinkSource> Consumes,
    SourcePosition Position);

/// <summary>Where a consumed link comes from: the published name of a link another group (or this one) provides.</summary>
public sealed record LinkSource(string From, bool Optional, SourcePosition Position);

/// <summary>The values of an instance group's <c>leaf_policy</c>.</summary>
public static class LeafPolicies
{
    public const string Keep = "keep";
    public const string Reset = "reset";
}
