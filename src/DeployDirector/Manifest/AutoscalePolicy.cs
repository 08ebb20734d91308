namespace DeployDirector.Manifest;

/// <summary>How a service group grows and shrinks with its utilization, within
/// <see cref="Min"/> ≤ instances ≤ <see cref="Max"/>.</summary>
/// <param name="ScaleOutAbovePercent">Group utilization above this, with no spare left, adds a node.</param>
/// <param name="ScaleInBelowPercent">Group utilization below this drains and releases one (less than
/// <paramref name="ScaleOutAbovePercent"/>).</param>
/// <param name="CooldownMs">The least time between two scaling steps.</param>
/// <param name="DeleteReleased">True: a released node's leaf is deleted; false: it is kept.</param>
public sealed record AutoscalePolicy(int Min, int Max, int ScaleOutAbovePercent, int ScaleInBelowPercent, int CooldownMs, bool DeleteReleased);
