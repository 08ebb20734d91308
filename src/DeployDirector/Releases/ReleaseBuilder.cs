using System.Security.Cryptography;
using System.Text;

namespace DeployDirector.Releases;

/// <summary>
/// Packs a release from a source folder: <c>release.yml</c> (name and version only), <c>jobs/JOB/job.yml</c>
/// with <c>jobs/JOB/templates/…</c>, and <c>packages/PKG/…</c>. Other top-level files (a README) are
/// not packed. The packed <c>release.yml</c> lists the jobs and every package file with its SHA-256
/// and executable bit. The bytes depend only on the files' paths, contents and executable bits.
/// </summary>
public static class ReleaseBuilder
{
    /// <summary>Packs <paramref name="sourceDirectory"/> into <paramref name="outputFile"/> and reads
    /// the result back through <see cref="ReleaseArchive.Read"/>, so an invalid source never leaves
    /// an archive behind.</summary>
    /// <exception cref="ReleaseInvalidException">The source, or the release it makes, is not valid.</exception>
    public static ReleaseArchive Create(string sourceDirectory, string outputFile)
    {
        var problems = new List<ReleaseProblem>();
        (string? name, string? version) = ReadIdentity(sourceDirectory, problems);
        SortedDictionary<string, string> jobFiles = Collect(sourceDirectory, "jobs", problems);
        SortedDictionary<string, string> packageFiles = Collect(sourceDirectory, "packages", problems);
        if (name is null || version is null || problems.Count > 0)
        {
            throw new ReleaseInvalidException(problems);
        }
        string[] jobs = [.. Directory.Exists(Path.Combine(sourceDirectory, "jobs"))
            ? Directory.GetDirectories(Path.Combine(sourceDirectory, "jobs")).Select(Path.GetFileName).Order(StringComparer.Ordinal).Cast<string>()
            : []];
        var packages = packageFiles
            .GroupBy(f => f.Key.Split('/')[1], StringComparer.Ordinal)
            .Select(g => new PackageSpec(g.Key, [.. g.Select(f => new PackageFile(f.Key[(f.Key.IndexOf('/', 9) + 1)..], Sha256Of(f.Value), IsExecutable(f.Value)))]))
            .ToList();
        string releaseYml = WriteReleaseYaml(new ReleaseManifest(name, version, jobs, packages));

        string temporary = outputFile + ".tmp";
        try
        {
            using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            using (var tar = new DeterministicTarWriter(output))
            {
                tar.Add(ReleaseYaml.ReleaseFile, Encoding.UTF8.GetBytes(releaseYml), executable: false);
                foreach ((string path, string file) in jobFiles.Concat(packageFiles))
                {
                    using FileStream content = File.OpenRead(file);
                    tar.Add(path, content, IsExecutable(file));
                }
            }
            ReleaseArchive archive;
            using (FileStream written = File.OpenRead(temporary))
            {
                archive = ReleaseArchive.Read(written);
            }
            File.Move(temporary, outputFile, overwrite: true);
            return archive;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static (string?, string?) ReadIdentity(string sourceDirectory, List<ReleaseProblem> problems)
    {
        string path = Path.Combine(sourceDirectory, ReleaseYaml.ReleaseFile);
        if (!File.Exists(path))
        {
            problems.Add(new ReleaseProblem(ReleaseYaml.ReleaseFile, null, null, "is missing from the source folder"));
            return (null, null);
        }
        var file = new YamlFile(ReleaseYaml.ReleaseFile, problems);
        if (file.Load(File.ReadAllText(path)) is not { } root)
        {
            return (null, null);
        }
        file.OnlyKeys(root, "name", "version");
        return ReleaseYaml.Identity(file, root);
    }

    /// <summary>Archive path → source file, for every file under <paramref name="top"/>, in ordinal order.</summary>
    private static SortedDictionary<string, string> Collect(string sourceDirectory, string top, List<ReleaseProblem> problems)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string root = Path.Combine(sourceDirectory, top);
        if (!Directory.Exists(root))
        {
            return files;
        }
        foreach (string entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            string relative = top + "/" + Path.GetRelativePath(root, entry).Replace(Path.DirectorySeparatorChar, '/');
            var info = new FileInfo(entry);
            if (info.LinkTarget is not null)
            {
                problems.Add(new ReleaseProblem(relative, null, null, "is a link; a release holds plain files only"));
            }
            else if (!info.Attributes.HasFlag(FileAttributes.Directory))
            {
                if (relative.Count(c => c == '/') < 2)
                {
                    problems.Add(new ReleaseProblem(relative, null, null, $"files under {top}/ belong in a folder named after their {top[..^1]}"));
                }
                files[relative] = entry;
            }
        }
        return files;
    }

    private static string Sha256Of(string file)
    {
        using FileStream stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static bool IsExecutable(string file) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0;

    private static string WriteReleaseYaml(ReleaseManifest manifest)
    {
        var yaml = new StringBuilder();
        yaml.Append("name: ").Append(manifest.Name).Append('\n');
        yaml.Append("version: ").Append(Quote(manifest.Version)).Append('\n');
        yaml.Append(manifest.Jobs.Count == 0 ? "jobs: []\n" : "jobs:\n");
        foreach (string job in manifest.Jobs)
        {
            yaml.Append("- ").Append(job).Append('\n');
        }
        yaml.Append(manifest.Packages.Count == 0 ? "packages: []\n" : "packages:\n");
        foreach (PackageSpec package in manifest.Packages)
        {
            yaml.Append("- name: ").Append(package.Name).Append("\n  files:\n");
            foreach (PackageFile file in package.Files)
            {
                yaml.Append("  - path: ").Append(Quote(file.Path)).Append('\n');
                yaml.Append("    sha256: ").Append(file.Sha256).Append('\n');
                yaml.Append("    executable: ").Append(file.Executable ? "true" : "false").Append('\n');
            }
        }
        return yaml.ToString();
    }

    /// <summary>Single-quoted YAML: only the quote itself needs escaping (doubled).</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
