using System.Text.Json;
using DeployDirector.Contracts;

namespace NodeAgent.Archive;

/// <summary>
/// Checks an unpacked archive against its <c>instance.json</c>: every listed file is present with its
/// SHA-256, nothing unlisted is there, job names are plain. Marks the executables it lists.
/// </summary>
internal static class ArchiveVerifier
{
    public const string SpecFile = "instance.json";

    public static ArchiveOutcome Verify(string directory, string expectedInstanceId)
    {
        InstanceSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(directory, SpecFile)), AgentJson.Default.InstanceSpec);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"no readable {SpecFile}: {e.Message}");
        }

        if (spec is null)
        {
            return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"{SpecFile} is empty");
        }

        // The source-generated reader leaves lists it does not see null, whatever their initializers say.
        spec = spec with { Jobs = spec.Jobs ?? [], Files = spec.Files ?? [] };

        if (spec.Instance.Id != expectedInstanceId)
        {
            return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"the archive is for instance {spec.Instance.Id}, not {expectedInstanceId}");
        }

        foreach (var job in spec.Jobs)
        {
            if (!ArchiveUnpacker.TryRelativePath(job, out var plain) || plain != job || job.Contains('/', StringComparison.Ordinal))
            {
                return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"job name '{job}' is not a plain name");
            }
        }

        var listed = new Dictionary<string, ArchiveFile>(StringComparer.Ordinal);
        foreach (var file in spec.Files)
        {
            if (!ArchiveUnpacker.TryRelativePath(file.Path, out var relative) || relative == SpecFile || !listed.TryAdd(relative, file))
            {
                return ArchiveOutcome.Refused(ArchiveOutcome.BadArchive, $"listed path '{file.Path}' is unsafe or repeated");
            }
        }

        var present = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(directory, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(path => path != SpecFile)
            .ToList();
        foreach (var path in present)
        {
            if (!listed.TryGetValue(path, out var file))
            {
                return ArchiveOutcome.Refused(ArchiveOutcome.BadChecksum, $"'{path}' is not listed in {SpecFile}");
            }

            var actual = Sha256Of(Path.Combine(directory, path));
            if (!string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                return ArchiveOutcome.Refused(ArchiveOutcome.BadChecksum, $"'{path}' has SHA-256 {actual}, {SpecFile} says {file.Sha256}");
            }
        }

        foreach (var (path, file) in listed)
        {
            var full = Path.Combine(directory, path);
            if (!File.Exists(full))
            {
                return ArchiveOutcome.Refused(ArchiveOutcome.BadChecksum, $"'{path}' is listed but missing");
            }

            MarkMode(full, file.Executable || IsUnderBin(path));
        }

        return ArchiveOutcome.Sound(spec);
    }

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Sha256.HexOf(stream);
    }

    /// <summary>InstanceSpec: files under a job's <c>bin/</c> are executable.</summary>
    private static bool IsUnderBin(string path)
    {
        var parts = path.Split('/');
        return parts.Length == 4 && parts[0] == "jobs" && parts[2] == "bin";
    }

    private static void MarkMode(string path, bool executable)
    {
        const UnixFileMode readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode runnable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(path, executable ? readable | runnable : readable);
    }
}
