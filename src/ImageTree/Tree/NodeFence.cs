namespace ImageTree.Tree;

/// <summary>A node cut off from its disk: its leaf refuses it until it is unfenced. Kept in the
/// metadata store, so a restart keeps it.</summary>
/// <param name="Mac">The node's MAC address (canonical form).</param>
/// <param name="Leaf">The node's leaf, the export that refuses it.</param>
/// <param name="Reason">Why it was fenced, as the caller (the director, an operator) said.</param>
/// <param name="Since">When the fence was committed.</param>
public sealed record NodeFence(string Mac, string Leaf, string Reason, DateTimeOffset Since);
