namespace DeployDirector.Manifest;

/// <summary>
/// Orders release versions the way people number them: digit runs compare as numbers, everything
/// else ordinally, piece by piece (1.9 &lt; 1.10, 2 &lt; 10).
/// </summary>
internal sealed class VersionOrder : IComparer<string>
{
    public static VersionOrder Instance { get; } = new();

    public static string Newest(IEnumerable<string> versions) => versions.Max(Instance)!;

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        int i = 0;
        int j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                int endX = RunEnd(x, i);
                int endY = RunEnd(y, j);
                ReadOnlySpan<char> a = x.AsSpan(i, endX - i).TrimStart('0');
                ReadOnlySpan<char> b = y.AsSpan(j, endY - j).TrimStart('0');
                int byNumber = a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.SequenceCompareTo(b);
                if (byNumber != 0)
                {
                    return byNumber;
                }
                (i, j) = (endX, endY);
                continue;
            }
            if (x[i] != y[j])
            {
                return x[i].CompareTo(y[j]);
            }
            i++;
            j++;
        }
        int byLength = (x.Length - i).CompareTo(y.Length - j);
        return byLength != 0 ? byLength : string.CompareOrdinal(x, y);
    }

    private static int RunEnd(string s, int start)
    {
        int end = start;
        while (end < s.Length && char.IsAsciiDigit(s[end]))
        {
            end++;
        }
        return end;
    }
}
