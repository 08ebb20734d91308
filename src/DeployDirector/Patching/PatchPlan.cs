using System.Globalization;

namespace DeployDirector.Patching;

/// <summary>A patch as it was asked for: which lineage, which archive, how long the script may run.</summary>
internal sealed record PatchPlan(string Lineage, string Parent, string ArchiveSha256, long ArchiveBytes, PatchArchive Contents, TimeSpan ScriptTimeout)
{
    /// <summary>The longest label value the tree keeps.</summary>
    private const int MaxLabel = 256;

    /// <summary>What made the edition, as its labels (<c>ubd image editions LINEAGE</c> shows them).</summary>
    public Dictionary<string, string?> Provenance(string parent, string worker, string output) => new(StringComparer.Ordinal)
    {
        ["patch.parent"] = parent,
        ["patch.script-sha256"] = Contents.ScriptSha256,
        ["patch.files"] = Contents.Files.Count.ToString(CultureInfo.InvariantCulture),
        ["patch.files-bytes"] = Contents.FilesBytes.ToString(CultureInfo.InvariantCulture),
        ["patch.files-sha256"] = Contents.FilesSha256,
        ["patch.exit"] = "0",
        ["patch.worker"] = worker,
        ["patch.at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["patch.output"] = Tail(output),
    };

    /// <summary>The last lines of the output that fit a label, on one line (the task keeps all of it).</summary>
    private static string Tail(string output)
    {
        string flat = string.Join(" | ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return flat.Length <= MaxLabel ? flat : "…" + flat[^(MaxLabel - 1)..];
    }
}

/// <summary>A published patch: the task's result.</summary>
public sealed record PatchOutcome(string Edition, string Parent, string Lineage, string Worker, long StoredBytes, int ExitCode, string Output,
    double BootSeconds, double ScriptSeconds, string ScriptSha256, int Files, string FilesSha256);
