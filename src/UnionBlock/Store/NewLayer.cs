namespace UnionBlock.Store;

/// <summary>The naming of a layer an operation creates: its name and, for an edition, its lineage
/// and number.</summary>
public readonly record struct NewLayer(string Name, string? Lineage = null, int Edition = 0)
{
    /// <summary>The record with this naming applied.</summary>
    public LayerRecord Stamp(LayerRecord record) => record with { Name = Name, Lineage = Lineage, Edition = Edition };
}
