namespace DeployDirector.Dns;

/// <summary>
/// One service group's endpoints: only the members that can take clients (not dead, not quiesced,
/// not over their load high-water mark). <paramref name="Ports"/> maps a port name (without the
/// SRV underscore, e.g. <c>http</c>) to its TCP port.
/// </summary>
public sealed record ServiceEndpoints(string Deployment, string Group, IReadOnlyList<MemberEndpoint> Available, IReadOnlyDictionary<string, int> Ports);
