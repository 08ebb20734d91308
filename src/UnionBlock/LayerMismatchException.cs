namespace UnionBlock;

/// <summary>A layer's files do not belong to the chain that opened them (wrong id, parent or generation).</summary>
public sealed class LayerMismatchException(string path, string reason)
    : IOException($"{path}: {reason}. Refusing to read through a chain that does not match.")
{
}
