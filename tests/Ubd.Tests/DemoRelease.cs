namespace Ubd.Tests;

/// <summary>The demo release (examples/releases/demo) built into a tarball the way `ubd release create` builds it.</summary>
public static class DemoRelease
{
    public static byte[] Tarball(string scratch)
    {
        string path = Path.Combine(scratch, $"demo-{Guid.NewGuid():N}.tgz");
        DeployDirector.Releases.ReleaseBuilder.Create(Path.Combine(RepoRoot(), "examples", "releases", "demo"), path);
        return File.ReadAllBytes(path);
    }

    private static string RepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "UnionBlock.sln")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("UnionBlock.sln not found above the test assembly");
    }
}
