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
    public static string Advice(string key, IReadOnlyCollection<string> known) =>
        Closest(key, known) is { } suggestion
            ? $"did you mean '{suggestion}'?"
            : known.Count == 0 ? "nothing is declared here" : $"the known keys here are {string.Join(", ", known)}";

    private static string Fold(string key) => new([.. key.Where(c => c is not ('_' or '-' or '.')).Select(char.ToLowerInvariant)]);

    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 3)
        {
            return int.MaxValue;
        }
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
