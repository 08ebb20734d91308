namespace DeployDirector.Contracts;

/// <summary>Where an instance is on its node.</summary>
public static class InstancePhase
{
    /// <summary>Its archive is fetched and verified; nothing runs.</summary>
    public const string Prepared = "prepared";

    /// <summary>Applied (files in place for its epoch), jobs not started.</summary>
    public const string Applied = "applied";

    public const string Running = "running";

    /// <summary>Jobs stopped on request (or drained).</summary>
    public const string Stopped = "stopped";

    /// <summary>A job keeps failing (the host itself is fine).</summary>
    public const string Failing = "failing";

    /// <summary>An errand finished (see the errand's result).</summary>
    public const string Finished = "finished";
}

/// <summary>One instance as the agent holds it.</summary>
public sealed record InstanceState
{
    public required InstanceRef Instance { get; init; }

    /// <summary>SHA-256 of the archive it was applied from: what the director compares to decide "update". An
    /// instance that is only <see cref="InstancePhase.Prepared"/> (nothing applied yet, e.g. a hot spare's copy)
    /// reports the prepared archive's, so the director can skip fetching it again.</summary>
    public required string ArchiveSha256 { get; init; }

    public required string Phase { get; init; }

    public IReadOnlyList<JobState> Jobs { get; init; } = [];
}

/// <summary>A job process under the agent's supervision.</summary>
/// <param name="Process">running, starting, backoff, stopped or exited (errands).</param>
/// <param name="Healthy">The job's health check (bin/health), null when it has none or it has not run yet.</param>
public sealed record JobState(string Name, string Process, int? Pid, int Restarts, bool? Healthy, string? LastError);
