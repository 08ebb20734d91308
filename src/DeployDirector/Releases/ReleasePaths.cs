namespace DeployDirector.Releases;

/// <summary>Relative paths inside archives: forward slashes, no absolute paths, no <c>.</c> or <c>..</c>
/// segments, nothing that could land outside the folder an archive is unpacked into.</summary>
internal static class ReleasePaths
{
    /// <summary>The normalized path (a leading <c>./</c> and a trailing <c>/</c> dropped), or null with
    /// the reason it is refused.</summary>
    public static string? Normalize(string raw, out string? refusal)
    {
        refusal = null;
        string path = raw;
        while (path.StartsWith("./", StringComparison.Ordinal))
        {
            path = path[2..];
        }
        path = path.TrimEnd('/');
        if (raw.StartsWith('/'))
        {
            refusal = "absolute paths are not allowed";
            return null;
        }
        if (path.Length == 0 || path.Contains('\\') || path.Any(char.IsControl))
        {
            refusal = "not a plain relative path";
            return null;
        }
        foreach (string segment in path.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                refusal = segment == ".." ? "'..' is not allowed in paths" : "empty or '.' path segments are not allowed";
                return null;
            }
        }
        return path;
    }

    public static bool IsValid(string path) => Normalize(path, out _) == path;
}
