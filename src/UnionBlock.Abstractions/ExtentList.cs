namespace UnionBlock.Abstractions;

/// <summary>Helpers for building extent lists.</summary>
public static class ExtentList
{
    /// <summary>Adds <paramref name="extent"/>, merging it into the last entry when it continues it.</summary>
    public static void Append(List<Extent> list, in Extent extent)
    {
        if (extent.Length == 0)
        {
            return;
        }
        if (list.Count > 0 && extent.Continues(list[^1]))
        {
            Extent last = list[^1];
            list[^1] = last with { Length = last.Length + extent.Length };
            return;
        }
        list.Add(extent);
    }
}
