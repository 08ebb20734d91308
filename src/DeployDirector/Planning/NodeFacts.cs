namespace DeployDirector.Planning;

/// <summary>A node as placement sees it.</summary>
/// <param name="HeldBy">The instance key (deployment/group/index) it holds, or null when it is an idle stem cell.</param>
/// <param name="Alive">Its agent heartbeats (a dead node gets no new instances).</param>
public sealed record NodeFacts(string Mac, IReadOnlyDictionary<string, string> Labels, int Cores, long MemoryBytes, bool Alive, string? HeldBy)
{
    /// <summary>Quiesced or fenced: it takes no new instance.</summary>
    public bool Closed { get; init; }

    /// <summary>The group (DEPLOYMENT/GROUP) it is a hot spare of: only that group may take it.</summary>
    public string? SpareFor { get; init; }
}
