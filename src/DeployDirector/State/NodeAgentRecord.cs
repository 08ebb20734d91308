namespace DeployDirector.State;

/// <summary>
/// A stem-cell node as the director knows it: its credential (SHA-256 only), the labels operators
/// gave it, and what its agent last reported at registration. Liveness is not here: heartbeats are
/// live state (<see cref="Live.AgentHub"/>), rebuilt from agents after a restart.
/// </summary>
/// <param name="Provider">Which infrastructure provider made it: pxe (bare metal) or qemu.</param>
/// <param name="Endpoints">Guest port → an address on this host that reaches it (QEMU port forwards).</param>
public sealed record NodeAgentRecord(
    string Mac,
    string CredentialSha256,
    IReadOnlyDictionary<string, string> Labels,
    string Provider,
    int Cores,
    long MemoryBytes,
    string? Address,
    string? BootId,
    string? Leaf,
    string? Edition,
    DateTimeOffset? RegisteredAt)
{
    public IReadOnlyDictionary<string, string> Endpoints { get; init; } = new Dictionary<string, string>();

    /// <summary>Set by an operator (or a drain): keeps what it holds, takes nothing new, leaves endpoint lists.</summary>
    public bool Quiesced { get; init; }

    /// <summary>The group (DEPLOYMENT/GROUP) this node is a hot spare of: its jobs prepared, not started.</summary>
    public string? SpareFor { get; init; }

    /// <summary>A patch worker the server launched for one patch: it takes no instance and is no spare.</summary>
    public bool Worker { get; init; }
}
