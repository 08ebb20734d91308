using System.Text.Json.Nodes;

namespace DeployDirector.Rendering;

/// <summary>A consumed link as the director resolved it: the providing instances and the properties
/// the provider exposes through the link.</summary>
public sealed record ResolvedLink(IReadOnlyList<LinkInstance> Instances, JsonObject Properties);
