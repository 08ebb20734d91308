namespace DeployDirector.Releases;

/// <summary>
/// Orders versions as people read them: runs of digits compare as numbers (<c>1.9 &lt; 1.10</c>,
/// leading zeros ignored), other runs ordinally; a version that is a prefix of another comes first.
/// Versions equal as numbers but written differently (<c>1.01</c>, <c>1.1</c>) fall back to ordinal
/// order, so the order is total.
/// </summary>
public sealed class VersionOrder : IComparer<string>
{
    public static VersionOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            int runX = Run(x, i), runY = Run(y, j);
            bool digitsX = char.IsAsciiDigit(x[i]), digitsY = char.IsAsciiDigit(y[j]);
            int result = digitsX && digitsY
                ? CompareNumbers(x.AsSpan(i, runX - i), y.AsSpan(j, runY - j))
                : digitsX != digitsY ? (digitsX ? -1 : 1) : x.AsSpan(i, runX - i).SequenceCompareTo(y.AsSpan(j, runY - j));
            if (result != 0)
            {
                return result;
            }
            i = runX;
            j = runY;
        }
        int lengths = (x.Length - i).CompareTo(y.Length - j);
        return lengths != 0 ? lengths : string.CompareOrdinal(x, y);
    }

    /// <summary>The end of the run of digits or of non-digits starting at <paramref name="start"/>.</summary>
    private static int Run(string s, int start)
    {
        bool digits = char.IsAsciiDigit(s[start]);
        int end = start + 1;
        while (end < s.Length && char.IsAsciiDigit(s[end]) == digits)
        {
            end++;
        }
        return end;
    }

    private static int CompareNumbers(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        a = a.TrimStart('0');
        b = b.TrimStart('0');
        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.SequenceCompareTo(b);
    }
}
