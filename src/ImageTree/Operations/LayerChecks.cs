using UnionBlock.Abstractions;
using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>Refusals the tree's operations share; each throws before anything is written.</summary>
internal static class LayerChecks
{
    public static LayerRecord RequireFrozen(this LayerStore layers, string name, string role)
    {
        LayerRecord layer = layers.Get(name);
        return layer.IsFrozen
            ? layer
            : throw new StoreException(StoreErrorKind.WrongKind, $"{role} must be frozen (a root or a branch), and '{name}' is a leaf. Freeze it first: ubd leaf freeze {name} --into NAME");
    }

    public static void CheckSameSize(LayerRecord a, LayerRecord b)
    {
        if (a.Size != b.Size)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, $"'{a.Name}' is {a.Size} bytes and '{b.Name}' {b.Size}: layers of one tree share one size");
        }
    }

    public static string Describe(LayerRecord layer) => layer.Kind.ToString().ToLowerInvariant();

    /// <summary>A failed read inside an operation aborts it: nothing is committed.</summary>
    public static void Check(BlockError error)
    {
        if (error != BlockError.None)
        {
            throw new IOException($"reading a layer failed: {error}");
        }
    }
}
