namespace DeployDirector.Contracts;

/// <summary>The commands an agent understands (one file per action in the agent).</summary>
public static class CommandKind
{
    /// <summary>Fetch the instance archive, verify its SHA-256 and every file's; run nothing.</summary>
    public const string Prepare = "prepare";

    /// <summary>Put the prepared archive in place for the command's epoch (refused for older epochs); stops the
    /// instance's jobs first if a previous archive was running.</summary>
    public const string Apply = "apply";

    public const string Start = "start";

    /// <summary>Drain (bin/drain may ask for more time), then stop the jobs; with <see cref="AgentCommand.Remove"/>
    /// the instance's files are deleted afterwards.</summary>
    public const string Stop = "stop";

    /// <summary>Run an errand instance's jobs to completion; the result carries exit code and output.</summary>
    public const string RunErrand = "run_errand";

    public const string GetState = "get_state";

    /// <summary>The tail of every job's log of the instance.</summary>
    public const string FetchLogs = "fetch_logs";

    /// <summary>Reboot the node (after stopping its jobs).</summary>
    public const string Reboot = "reboot";

    /// <summary>The instance's service group changed (leader, members): the agent writes
    /// <see cref="AgentCommand.Group"/> as <c>group.json</c> in the instance's directory (older versions are
    /// ignored) and runs each job's optional <c>bin/group-changed</c>.</summary>
    public const string UpdateGroup = "update_group";

    /// <summary>A patch worker only (booted with <see cref="AgentProtocol.WorkerArgument"/>=1 on a fresh leaf): fetch the
    /// patch archive (<c>patch.sh</c> and <c>files/</c>), run <c>patch.sh</c> as root against the node's own root
    /// filesystem, answer with its exit code and output; after a success, sync, remount the root read-only and power off.</summary>
    public const string RunPatch = "run_patch";
}

/// <summary>A command for an agent. <see cref="Instance"/> carries the epoch for fencing.</summary>
public sealed record AgentCommand
{
    public required string Id { get; init; }

    public required string Kind { get; init; }

    public InstanceRef? Instance { get; init; }

    /// <summary>prepare: the archive to fetch from <see cref="AgentProtocol.Blobs"/>.</summary>
    public string? ArchiveSha256 { get; init; }

    public long? ArchiveBytes { get; init; }

    /// <summary>How long the agent may take (drain, errand).</summary>
    public int TimeoutMs { get; init; } = 60_000;

    /// <summary>stop: delete the instance's files once stopped (the instance leaves this node).</summary>
    public bool Remove { get; init; }

    /// <summary>update_group: the service group as the director sees it now.</summary>
    public GroupInfo? Group { get; init; }
}

/// <summary>How a command ended.</summary>
/// <param name="Refusal">A machine-readable reason when not <see cref="Ok"/>: stale_epoch, bad_checksum,
/// bad_archive (unsafe or unreadable archive), unknown_instance, unknown_command, failed, timeout,
/// busy (the agent's command queue is full).</param>
/// <param name="Output">Errand output or logs (at most <see cref="AgentProtocol.MaxOutputBytes"/>).</param>
/// <param name="ExitCode">Errands: the exit code of the job's run script.</param>
public sealed record CommandResult(string CommandId, bool Ok, string? Refusal, string? Error, string? Output, int? ExitCode, InstanceState? State);
