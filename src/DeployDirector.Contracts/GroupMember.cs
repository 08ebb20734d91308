namespace DeployDirector.Contracts;

/// <summary>One member of a service group in <see cref="GroupInfo"/>.</summary>
/// <param name="Available">True when the director sees it alive and healthy.</param>
public sealed record GroupMember(string Instance, int Index, string Address, bool Available);
