namespace DeployDirector.Contracts;

/// <summary>
/// What an agent says when it starts (and again whenever the director answers 409 "register
/// again", e.g. after a director restart): who it is, what it booted, what it has, and the
/// instances it is already running so the director can adopt them without disturbing them.
/// </summary>
public sealed record AgentRegistration
{
    /// <summary>The node's MAC address (lower case, colons): its identity in the boot service.</summary>
    public required string Mac { get; init; }

    /// <summary>Random per boot (/proc/sys/kernel/random/boot_id): a new value means the node rebooted.</summary>
    public required string BootId { get; init; }

    public required string AgentVersion { get; init; }

    /// <summary>The node's primary IPv4 address as it sees it.</summary>
    public required string Address { get; init; }

    public required int Cores { get; init; }

    public required long MemoryBytes { get; init; }

    /// <summary>The NBD export its root is attached to (from nbdroot=), if known.</summary>
    public string? Leaf { get; init; }

    /// <summary>Contents of /etc/edition on the booted root, if any.</summary>
    public string? Edition { get; init; }

    public IReadOnlyList<InstanceState> Instances { get; init; } = [];
}

/// <summary>The director's answer to a registration.</summary>
/// <param name="NodeId">The director's name for the node.</param>
/// <param name="HeartbeatIntervalMs">How often to heartbeat.</param>
/// <param name="LeaseMs">How long the agent may go without a successful heartbeat before it stops its
/// jobs on its own (its assignments may have moved elsewhere meanwhile).</param>
public sealed record RegistrationAck(string NodeId, int HeartbeatIntervalMs, int LeaseMs);
