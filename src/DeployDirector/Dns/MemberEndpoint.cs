namespace DeployDirector.Dns;

/// <summary>One available member of a service group: its instance index and its IPv4 address as text.</summary>
public sealed record MemberEndpoint(int Index, string Address);
