using System.CommandLine;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Ubd.Cli;

/// <summary>`ubd image patch LINEAGE --script FILE [--files DIR] [--timeout S]`: a scripted edition.</summary>
internal static class PatchCommand
{
    public static Command Build()
    {
        Argument<string> lineage = new("LINEAGE") { Description = "The lineage to patch: its latest edition is the worker's disk, the result its next edition" };
        Option<FileInfo> script = new("--script") { Description = "The shell script to run as root inside the worker (it edits the root filesystem in place)", Required = true, HelpName = "FILE" };
        Option<DirectoryInfo?> files = new("--files") { Description = "A folder of files the script needs; the script finds them in $UBD_PATCH_FILES", HelpName = "DIR" };
        Option<int> timeout = new("--timeout") { Description = "Seconds the script may run before the patch fails", DefaultValueFactory = _ => 600, HelpName = "S" };
        return ApiCommand.Create("patch", "Make the next edition of a lineage by running a script in a worker VM booted over its latest edition; only changed blocks are stored",
            [lineage, script, files, timeout],
            async (r, api, json) =>
            {
                int seconds = r.GetValue(timeout);
                if (seconds <= 0)
                {
                    throw new ApiException(400, "invalid", "--timeout must be at least 1 second");
                }
                string archive = Pack(r.GetValue(script)!, r.GetValue(files));
                try
                {
                    string name = r.GetValue(lineage)!;
                    JsonElement task = await api.Upload($"/images/{ApiCommand.Escape(name)}/patches?timeout={seconds}", archive, "application/gzip").ConfigureAwait(false);
                    return await api.FollowDirectorTask(task, $"patching {name}", json).ConfigureAwait(false);
                }
                finally
                {
                    File.Delete(archive);
                }
            },
            Describe);
    }

    private static string Describe(JsonElement task)
    {
        JsonElement result = JsonDocument.Parse(task.Str("result")).RootElement;
        string output = result.Str("output").TrimEnd();
        return $"published {result.Str("edition")} over {result.Str("parent")}: {Output.Bytes(result.Long("storedBytes"))} of changed blocks stored; " +
            $"patch.sh exited 0 after {result.Str("scriptSeconds")} s (worker booted in {result.Str("bootSeconds")} s)" + (output.Length > 0 ? "\n" + output : "");
    }

    /// <summary>patch.sh and files/ as a gzip'd tar in a temporary file (regular files only: the server refuses links).</summary>
    private static string Pack(FileInfo script, DirectoryInfo? files)
    {
        if (!script.Exists)
        {
            throw new ApiException(404, "not found", $"no script at {script.FullName}");
        }
        if (files is { Exists: false })
        {
            throw new ApiException(404, "not found", $"no folder at {files.FullName}");
        }
        string archive = Path.GetTempFileName();
        try
        {
            using (var output = File.Create(archive))
            using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
            using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
            {
                tar.WriteEntry(script.FullName, "patch.sh");
                if (files is not null)
                {
                    foreach (FileSystemInfo entry in files.EnumerateFileSystemInfos("*", SearchOption.AllDirectories).OrderBy(e => e.FullName, StringComparer.Ordinal))
                    {
                        string name = "files/" + Path.GetRelativePath(files.FullName, entry.FullName).Replace('\\', '/');
                        if (entry.LinkTarget is not null)
                        {
                            throw new ApiException(400, "invalid", $"{entry.FullName} is a symbolic link; the script's files must be regular files (let patch.sh make links)");
                        }
                        if (entry is FileInfo)
                        {
                            tar.WriteEntry(entry.FullName, name);
                        }
                    }
                }
            }
            return archive;
        }
        catch
        {
            File.Delete(archive);
            throw;
        }
    }
}
