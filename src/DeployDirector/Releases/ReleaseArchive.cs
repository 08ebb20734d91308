using DeployDirector.Templates;

namespace DeployDirector.Releases;

/// <summary>A release read from its archive and found valid in every respect (see <see cref="Read"/>).</summary>
public sealed record ReleaseArchive(ReleaseManifest Manifest, IReadOnlyList<JobSpec> Jobs)
{
    /// <summary>
    /// Reads and validates a release archive: names and version, every listed package file present
    /// with its SHA-256 and nothing unlisted, safe paths only (no absolute paths, no <c>..</c>, no
    /// links or devices), the limits of <see cref="ReleaseLimits"/>, YAML errors with their line and
    /// column, and every template named by a job present and compiling.
    /// </summary>
    /// <exception cref="ReleaseInvalidException">Listing every problem found.</exception>
    public static ReleaseArchive Read(Stream stream)
    {
        var problems = new List<ReleaseProblem>();
        Dictionary<string, ArchiveEntry> files = ReleaseTar.Read(stream, IsText, problems).ToDictionary(e => e.Path, StringComparer.Ordinal);
        var accounted = new HashSet<string>(StringComparer.Ordinal);
        var jobs = new List<JobSpec>();
        ReleaseManifest? manifest = null;
        if (Take(files, accounted, ReleaseYaml.ReleaseFile, problems) is { Text: { } text })
        {
            manifest = ReleaseYaml.ParseRelease(text, problems);
        }
        if (manifest is not null)
        {
            foreach (string job in manifest.Jobs)
            {
                if (ReadJob(job, files, accounted, problems) is { } spec)
                {
                    jobs.Add(spec);
                }
            }
            CheckPackages(manifest, jobs, files, accounted, problems);
            foreach (string unlisted in files.Keys.Where(p => !accounted.Contains(p)).Order(StringComparer.Ordinal))
            {
                problems.Add(new ReleaseProblem(unlisted, null, null, "is not listed in release.yml or named by a job"));
            }
        }
        if (problems.Count > 0 || manifest is null)
        {
            throw new ReleaseInvalidException(problems);
        }
        return new ReleaseArchive(manifest, jobs);
    }

    private static bool IsText(string path)
    {
        string[] segments = path.Split('/');
        return path == ReleaseYaml.ReleaseFile
            || segments is ["jobs", _, "job.yml"]
            || segments.Length >= 4 && segments[0] == "jobs" && segments[2] == "templates";
    }

    private static ArchiveEntry? Take(Dictionary<string, ArchiveEntry> files, HashSet<string> accounted, string path, List<ReleaseProblem> problems)
    {
        if (!files.TryGetValue(path, out ArchiveEntry? entry))
        {
            problems.Add(new ReleaseProblem(path, null, null, "is missing"));
            return null;
        }
        accounted.Add(path);
        return entry;
    }

    private static JobSpec? ReadJob(string job, Dictionary<string, ArchiveEntry> files, HashSet<string> accounted, List<ReleaseProblem> problems)
    {
        string specPath = $"jobs/{job}/job.yml";
        if (Take(files, accounted, specPath, problems) is not { Text: { } text }
            || ReleaseYaml.ParseJob(specPath, text, problems) is not { } spec)
        {
            // Without a readable job.yml nothing says which of the job's files belong: the problem
            // already reported is the one to fix, not a list of "unlisted" templates.
            accounted.UnionWith(files.Keys.Where(p => p.StartsWith($"jobs/{job}/", StringComparison.Ordinal)));
            return null;
        }
        if (spec.Name != job)
        {
            problems.Add(new ReleaseProblem(specPath, null, null, $"names the job '{spec.Name}' but sits in jobs/{job}/"));
        }
        var templates = new List<JobTemplate>();
        foreach (JobTemplate template in spec.Templates)
        {
            string path = $"jobs/{job}/templates/{template.Source}";
            if (Take(files, accounted, path, problems) is not { Text: { } source })
            {
                continue;
            }
            try
            {
                Template.Compile($"{job}/{template.Source}", source);
                templates.Add(template with { Text = source });
            }
            catch (TemplateException e)
            {
                problems.Add(new ReleaseProblem(path, e.Line, e.Column, e.Reason));
            }
        }
        return spec with { Templates = templates };
    }

    private static void CheckPackages(ReleaseManifest manifest, List<JobSpec> jobs, Dictionary<string, ArchiveEntry> files, HashSet<string> accounted, List<ReleaseProblem> problems)
    {
        foreach (PackageSpec package in manifest.Packages)
        {
            foreach (PackageFile file in package.Files)
            {
                string path = $"packages/{package.Name}/{file.Path}";
                if (Take(files, accounted, path, problems) is { } entry && entry.Sha256 != file.Sha256)
                {
                    problems.Add(new ReleaseProblem(path, null, null, $"has sha256 {entry.Sha256}, release.yml lists {file.Sha256}"));
                }
            }
        }
        foreach (JobSpec job in jobs)
        {
            foreach (string package in job.Packages.Where(p => !manifest.Packages.Any(m => m.Name == p)))
            {
                problems.Add(new ReleaseProblem($"jobs/{job.Name}/job.yml", null, null, $"uses package '{package}', which release.yml does not list"));
            }
        }
    }
}
