using DeployDirector.Releases;

namespace DeployDirector.Running;

/// <summary>A release as operators list it (the catalog keeps the whole parsed spec).</summary>
public sealed record ReleaseView(string Name, string Version, string Sha256, long Size, IReadOnlyList<string> Jobs, IReadOnlyList<string> Packages);

public sealed partial class Deployer
{
    public ReleaseView UploadRelease(Stream tarball)
    {
        try
        {
            return View(director.Releases.Upload(tarball));
        }
        catch (ReleaseInvalidException invalid)
        {
            throw new DirectorException(DirectorError.Invalid, invalid.Message);
        }
        catch (ReleaseConflictException conflict)
        {
            throw new DirectorException(DirectorError.Conflict, conflict.Message);
        }
    }

    public IReadOnlyList<ReleaseView> Releases() => [.. director.Releases.List().Select(View)];

    /// <summary>Deletes a release version no deployment is pinned to.</summary>
    public ReleaseView DeleteRelease(string name, string version)
    {
        ReleaseRecord release = director.Releases.Find(name, version) ?? throw new DirectorException(DirectorError.NotFound, $"no release {name}/{version}; 'ubd release list' shows them");
        if (director.Store.Deployments().FirstOrDefault(d => d.Releases.TryGetValue(name, out string? pinned) && pinned == version) is { } user)
        {
            throw new DirectorException(DirectorError.Conflict, $"deployment {user.Name} uses release {name}/{version}; deploy it with another version (or delete it) first");
        }
        director.Releases.Delete(name, version);
        return View(release);
    }

    private static ReleaseView View(ReleaseRecord r) => new(r.Name, r.Version, r.Sha256, r.Size, [.. r.Jobs.Select(j => j.Name)], [.. r.Packages.Select(p => p.Name)]);
}
