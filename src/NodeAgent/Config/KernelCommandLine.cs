namespace NodeAgent.Config;

/// <summary>Reads <c>key=value</c> words of a kernel command line (/proc/cmdline).</summary>
internal static class KernelCommandLine
{
    public static IReadOnlyDictionary<string, string> Parse(string commandLine)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in commandLine.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                // The kernel passes the first occurrence on to init; later ones win for us as they do there.
                values[word[..equals]] = word[(equals + 1)..];
            }
        }

        return values;
    }

    /// <summary>The export name of <c>nbdroot=HOST:PORT/EXPORT</c> (or the whole value without a slash).</summary>
    public static string? LeafOf(IReadOnlyDictionary<string, string> values)
    {
        if (!values.TryGetValue("nbdroot", out var nbdroot) || nbdroot.Length == 0)
        {
            return null;
        }

        var slash = nbdroot.LastIndexOf('/');
        return slash >= 0 ? nbdroot[(slash + 1)..] : nbdroot;
    }

    public static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
