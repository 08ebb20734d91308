namespace DeployDirector.Tests.Manifest;

/// <summary>Edits of a numbered manifest, so tests can point at its lines.</summary>
internal static class ManifestLines
{
    /// <summary>The text with line <c>"n"</c> or lines <c>"n-m"</c> (1-based) replaced by <paramref name="replacement"/>.</summary>
    public static string With(IReadOnlyList<string> lines, string range, string replacement)
    {
        string[] bounds = range.Split('-');
        int from = int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture);
        int to = bounds.Length > 1 ? int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture) : from;
        return Text(lines.Take(from - 1).Append(replacement).Concat(lines.Skip(to)));
    }

    public static string Text(IEnumerable<string> lines) => string.Join('\n', lines) + "\n";
}
