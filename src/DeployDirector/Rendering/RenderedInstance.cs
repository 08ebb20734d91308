using DeployDirector.Contracts;

namespace DeployDirector.Rendering;

/// <summary>An instance archive (gzip'd tar), its SHA-256 (what the director compares to decide
/// "update" or "keep") and the <c>instance.json</c> inside it.</summary>
public sealed record RenderedInstance(byte[] Archive, string Sha256, InstanceSpec Spec);
