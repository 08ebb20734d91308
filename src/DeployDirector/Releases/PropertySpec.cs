using System.Text.Json.Nodes;

namespace DeployDirector.Releases;

/// <summary>A declared property. A null <paramref name="Default"/> means the manifest must set it for
/// a template that prints it to render.</summary>
public sealed record PropertySpec(string? Description, JsonNode? Default);
