namespace DeployDirector.Planning;

/// <summary>A node as placement sees it.</summary>
/// <param name="HeldBy">The instance key (deployment/group/index) it holds, or null when it is an idle stem cell.</param>
/// <param name="Alive">Its agent heartbeats (a dead node gets no new instances).</param>
public sealed record NodeFacts(string Mac, IReadOnlyDictionary<string, string> Labels, int Cores, long MemoryBytes, bool Alive, string? HeldBy);
