namespace NbdServer.Connection;

/// <summary>The metadata contexts a client selected, for one export. Ids are ours to choose.</summary>
internal sealed record MetaContextSelection(string ExportName, bool BaseAllocation, bool AllocationDepth)
{
    public const uint BaseAllocationId = 1;
    public const uint AllocationDepthId = 2;

    public static MetaContextSelection None { get; } = new(string.Empty, false, false);

    public bool Any => BaseAllocation || AllocationDepth;
}
