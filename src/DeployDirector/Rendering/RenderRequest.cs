using DeployDirector.Contracts;
using DeployDirector.Releases;

namespace DeployDirector.Rendering;

/// <summary>Everything an instance's archive is made from; the same request gives the same bytes.</summary>
/// <param name="Lifecycle"><see cref="Contracts.Lifecycle.Service"/> or <see cref="Contracts.Lifecycle.Errand"/>.</param>
/// <param name="Leader">The address of the group's leader, when known.</param>
/// <param name="Blobs">Where package files are read, by SHA-256.</param>
public sealed record RenderRequest(
    InstanceRef Instance,
    string Lifecycle,
    string Address,
    string? Leader,
    IReadOnlyList<RenderJob> Jobs,
    IBlobSource Blobs);
