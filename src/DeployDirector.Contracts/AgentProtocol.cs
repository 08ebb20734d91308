namespace DeployDirector.Contracts;

/// <summary>
/// The agent protocol's routes and limits. The agent always opens the connection (nodes behind NAT
/// work): it registers, then heartbeats and long-polls for commands, and posts each command's
/// result. Every request carries <c>Authorization: Bearer CREDENTIAL</c>, the node credential the
/// boot service put on the node's kernel command line (<c>ubd.credential=</c>).
/// </summary>
public static class AgentProtocol
{
    public const string Version = "1";

    /// <summary>POST <see cref="AgentRegistration"/> → <see cref="RegistrationAck"/>.</summary>
    public const string Register = "/agent/v1/register";

    /// <summary>POST <see cref="AgentHeartbeat"/> → <see cref="HeartbeatAck"/>.</summary>
    public const string Heartbeat = "/agent/v1/heartbeat";

    /// <summary>GET ?waitMs=N → <see cref="AgentCommand"/>[] (empty when nothing came within N ms).</summary>
    public const string Commands = "/agent/v1/commands";

    /// <summary>POST <see cref="CommandResult"/> → 204.</summary>
    public const string Results = "/agent/v1/results";

    /// <summary>GET /agent/v1/blobs/{sha256}: an instance archive addressed to this node.</summary>
    public const string Blobs = "/agent/v1/blobs";

    /// <summary>Kernel command line keys the boot service sets and the agent reads.</summary>
    public const string DirectorArgument = "ubd.director";
    public const string CredentialArgument = "ubd.credential";
    public const string NodeArgument = "ubd.node";

    /// <summary><c>ubd.worker=1</c>: the node is a patch worker. Its init keeps its own state (boot counter,
    /// agent data, logs, /tmp) in memory, so its leaf holds only what the patch script changes, and its
    /// agent accepts <see cref="CommandKind.RunPatch"/>, which every other node refuses.</summary>
    public const string WorkerArgument = "ubd.worker";

    /// <summary>Longest long-poll the director holds open.</summary>
    public const int MaxWaitMs = 30_000;

    /// <summary>The bounds an agent holds a director-named heartbeat interval to.</summary>
    public const int MinHeartbeatIntervalMs = 100;
    public const int MaxHeartbeatIntervalMs = 60_000;

    /// <summary>Most bytes of output or logs a result may carry (the director refuses more).</summary>
    public const int MaxOutputBytes = 256 * 1024;
}
