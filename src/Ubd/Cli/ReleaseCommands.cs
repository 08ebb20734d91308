using System.CommandLine;
using System.Text.Json;

namespace Ubd.Cli;

/// <summary>`ubd release …` (jobs and packages to deploy) and `ubd stemcell …` (the nodes they run on).</summary>
internal static class ReleaseCommands
{
    public static Command Releases()
    {
        Argument<FileInfo> tarball = new("FILE") { Description = "A release tarball (.tgz), as 'ubd release create' makes" };
        Argument<DirectoryInfo> source = new("DIR") { Description = "A release source folder: jobs/JOB/{job.yml,templates/}, packages/PKG/…, release.yml (name, version)" };
        Option<FileInfo> output = new("--output") { Description = "Where to write the tarball", Required = true, HelpName = "FILE" };
        Argument<string> name = new("NAME") { Description = "The release" };
        Argument<string> version = new("VERSION") { Description = "Its version" };
        var create = new Command("create", "Pack a release source folder into a tarball (checksums computed; the same folder gives the same bytes)") { source, output };
        create.SetAction(r =>
        {
            DirectoryInfo folder = r.GetValue(source)!;
            if (!folder.Exists)
            {
                throw new ApiException(404, "not found", $"no release source folder at {folder.FullName}");
            }
            DeployDirector.Releases.ReleaseBuilder.Create(folder.FullName, r.GetValue(output)!.FullName);
            Console.WriteLine($"wrote {r.GetValue(output)!.FullName}");
            return ExitCodes.Success;
        });
        return new Command("release", "Releases: jobs (templates, properties) and packages, uploaded to the director")
        {
            create,
            ApiCommand.Create("upload", "Upload a release tarball; uploading the same bytes again changes nothing", [tarball],
                (r, api, _) =>
                {
                    FileInfo file = r.GetValue(tarball)!;
                    return file.Exists ? api.Upload("/releases", file.FullName, "application/gzip") : throw new ApiException(404, "not found", $"no release tarball at {file.FullName}");
                },
                rel => $"release {rel.Str("name")}/{rel.Str("version")} ({rel.Str("sha256")[..Math.Min(12, rel.Str("sha256").Length)]})"),
            ApiCommand.Create("list", "Uploaded releases", [], (_, api, _) => api.Get("/releases"),
                list => TextTable.Render(list, "no releases: 'ubd release upload FILE' adds one",
                    ("NAME", x => x.Str("name")), ("VERSION", x => x.Str("version")), ("JOBS", x => Names(x, "jobs")), ("SHA256", x => x.Str("sha256")[..Math.Min(12, x.Str("sha256").Length)]))),
            ApiCommand.Create("delete", "Delete a release version no deployment uses", [name, version],
                (r, api, _) => api.Delete($"/releases/{ApiCommand.Escape(r.GetValue(name)!)}/{ApiCommand.Escape(r.GetValue(version)!)}"), _ => "deleted"),
        };
    }

    public static Command Stemcells()
    {
        Argument<string> mac = new("MAC") { Description = "The node's MAC address" };
        Argument<string[]> labels = new("LABEL") { Description = "KEY=VALUE to set, or KEY- to remove", Arity = ArgumentArity.OneOrMore };
        Argument<string> deleteMac = new("MAC") { Description = "The node's MAC address" };
        return new Command("stemcell", "Stem-cell nodes the director knows: booted nodes running the agent, idle or holding an instance")
        {
            ApiCommand.Create("list", "Nodes with hardware, labels, liveness and what they hold", [], (_, api, _) => api.Get("/stemcells"),
                list => TextTable.Render(list, "no stem cells yet: nodes appear when they PXE-boot (or 'ubd serve --provider qemu' makes them)",
                    ("MAC", n => n.Str("mac")), ("PROVIDER", n => n.Str("provider")), ("STATE", n => n.GetProperty("alive").GetBoolean() ? "alive" : "down"),
                    ("ADDRESS", n => n.Str("address")), ("CPU/MEM", n => $"{n.Str("cores")}/{Output.Bytes(n.Long("memoryBytes"))}"),
                    ("LABELS", n => string.Join(",", n.GetProperty("labels").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"))),
                    ("HOLDS", n => n.Str("instance")), ("SERVICE", Service), ("ENDPOINTS", n => string.Join(" ", n.GetProperty("endpoints").EnumerateObject().Select(p => $"{p.Name}→{p.Value.GetString()}"))))),
            ApiCommand.Create("label", "Set or remove labels that placement matches", [mac, labels],
                (r, api, _) => api.Patch($"/stemcells/{ApiCommand.Escape(r.GetValue(mac)!)}", new DeployDirector.Api.LabelsRequest(ParseLabels(r.GetValue(labels)!))),
                n => $"{n.Str("mac")}: " + string.Join(",", n.GetProperty("labels").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"))),
            ApiCommand.Create("delete", "Forget an idle node (stopping its VM when the qemu provider made it)", [deleteMac],
                (r, api, _) => api.Delete($"/stemcells/{ApiCommand.Escape(r.GetValue(deleteMac)!)}"), n => $"forgot {n.Str("mac")}"),
        };
    }

    /// <summary>The service-group switches on a node: quiesced, hot spare of a group.</summary>
    private static string Service(JsonElement node)
    {
        string[] marks = [.. new[]
        {
            node.TryGetProperty("quiesced", out JsonElement q) && q.ValueKind == JsonValueKind.True ? "quiesced" : null,
            node.Str("spareFor") is { } spare && spare != "-" ? $"spare:{spare}" : null,
        }.OfType<string>()];
        return marks.Length == 0 ? "-" : string.Join(",", marks);
    }

    private static Dictionary<string, string?> ParseLabels(string[] items)
    {
        var labels = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (string item in items)
        {
            int equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                labels[item[..equals]] = item[(equals + 1)..];
            }
            else if (item.EndsWith('-') && item.Length > 1)
            {
                labels[item[..^1]] = null;
            }
            else
            {
                throw new ApiException(400, "usage", $"a label is KEY=VALUE (or KEY- to remove it), not '{item}'");
            }
        }
        return labels;
    }

    private static string Names(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement list) && list.ValueKind == JsonValueKind.Array
            ? string.Join(",", list.EnumerateArray().Select(j => j.ValueKind == JsonValueKind.String ? j.GetString() : j.Str("name")))
            : "-";
}
