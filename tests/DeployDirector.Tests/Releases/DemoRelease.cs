namespace DeployDirector.Tests.Releases;

/// <summary>The sample release source of the repository, found by walking up from the test binaries.</summary>
public static class DemoRelease
{
    public static string SourceDirectory { get; } = Find();

    /// <summary>A copy of the demo source that a test may change.</summary>
    public static string CopyTo(string directory)
    {
        string target = Path.Combine(directory, "demo-source");
        foreach (string file in Directory.EnumerateFiles(SourceDirectory, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(SourceDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "examples", "releases", "demo");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("examples/releases/demo not found above the test binaries");
    }
}
