namespace DeployDirector.Manifest;

/// <summary>"Did you mean" for unknown keys: the same key in another case or spelling
/// (<c>maxInFlight</c>), or a known key within a small edit distance.</summary>
internal static class KeySuggestion
{
    public static string? Closest(string key, IEnumerable<string> known)
    {
        string folded = Fold(key);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known)
        {
            if (Fold(candidate) == folded)
            {
                return candidate;
            }
            int distance = Distance(key.ToLowerInvariant(), candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
        return best is not null && bestDistance <= Math.Max(1, Math.Min(3, best.Length / 3)) ? best : null;
    }

    /// <summary>The message tail for an unknown <paramref name="key"/>.</summary>
    public static string Advice(string key, IReadOnlyCollection<string> known, string listed = "the known keys here are") =>
        Closest(key, known) is { } suggestion
            ? $"did you mean '{suggestion}'?"
            : known.Count == 0 ? "nothing is declared here" : $"{listed} {string.Join(", ", known)}";

    private static string Fold(string key) => new([.. key.Where(c => c is not ('_' or '-' or '.')).Select(char.ToLowerInvariant)]);

    /// <summary>Edits between two keys, a swap of neighbours counting as one (<c>prot</c> → <c>port</c>).</summary>
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 3)
        {
            return int.MaxValue;
        }
        int[,] d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
