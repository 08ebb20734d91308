using System.CommandLine;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Ubd.Cli;

/// <summary>`ubd deploy`, `ubd deploy plan`, `ubd deployment …`, `ubd instances`, `ubd errand run`: the director's deployments.</summary>
internal static class DeployCommands
{
    public static Command Deploy()
    {
        Argument<FileInfo> manifest = ManifestArgument();
        Option<FileInfo?> varsFile = VarsFile();
        Option<string[]> vars = Vars();
        Option<bool> noWait = new("--no-wait") { Description = "Print the task and return; follow it with 'ubd director task ID'" };
        Command deploy = ApiCommand.Create("deploy", "Deploy a manifest: converge the deployment onto it (unchanged instances are left alone)", [manifest, varsFile, vars, noWait],
            async (r, api, json) =>
            {
                JsonElement task = await api.Post("/deployments", Request(r, manifest, varsFile, vars)).ConfigureAwait(false);
                return r.GetValue(noWait) ? task : await api.FollowDirectorTask(task, $"deploying {r.GetValue(manifest)!.Name}", json).ConfigureAwait(false);
            },
            t => t.Str("state") is "Done" ? $"deployed: {t.Str("result")}" : $"task {t.Str("id")}: {t.Str("state")} (follow it: ubd director task {t.Str("id")})");
        deploy.Subcommands.Add(Plan());
        return deploy;
    }

    private static Command Plan()
    {
        Argument<FileInfo> manifest = ManifestArgument();
        Option<FileInfo?> varsFile = VarsFile();
        Option<string[]> vars = Vars();
        return ApiCommand.Create("plan", "Show what deploying MANIFEST would do to each instance (create, update, keep, delete); changes nothing", [manifest, varsFile, vars],
            (r, api, _) => api.Post("/deployments/plan", Request(r, manifest, varsFile, vars)),
            plan =>
            {
                string table = TextTable.Render(plan.GetProperty("changes"), "no instances",
                    ("INSTANCE", c => $"{c.Str("group")}/{c.Str("index")}"), ("ACTION", c => c.Str("action").ToLowerInvariant()), ("NODE", c => c.Str("node")),
                    ("LAYER", c => c.Str("layer")), ("WHY", c => c.Str("reason")));
                string shortfalls = string.Concat(plan.GetProperty("shortfalls").EnumerateArray().Select(s => $"\n{s.Str("group")} needs {s.Str("missing")} more node(s): {s.Str("needs")}"));
                return $"deployment {plan.Str("deployment")}\n{table}{shortfalls}";
            });
    }

    public static Command Deployments()
    {
        Argument<string> name = new("NAME") { Description = "The deployment" };
        Argument<string> showName = new("NAME") { Description = "The deployment" };
        Option<bool> noWait = new("--no-wait") { Description = "Print the task and return" };
        return new Command("deployment", "Deployments the director holds")
        {
            ApiCommand.Create("list", "Deployments with their revision and instances", [], (_, api, _) => api.Get("/deployments"),
                list => TextTable.Render(list, "no deployments: 'ubd deploy MANIFEST' creates one",
                    ("NAME", d => d.Str("name")), ("REVISION", d => d.Str("revision")), ("INSTANCES", d => $"{d.Str("running")}/{d.Str("instances")} running"),
                    ("STEMCELLS", d => string.Join(",", d.GetProperty("stemcells").EnumerateObject().Select(p => p.Value.GetString()))), ("UPDATED", d => d.Str("updatedAt")))),
            ApiCommand.Create("show", "A deployment and its manifest", [showName], (r, api, _) => api.Get($"/deployments/{ApiCommand.Escape(r.GetValue(showName)!)}"),
                d => $"{d.Str("name")} revision {d.Str("revision")}, {d.Str("running")}/{d.Str("instances")} running\n{d.Str("manifest")}"),
            ApiCommand.Create("delete", "Stop every instance (drained first) and return the nodes to idle stem cells", [name, noWait],
                async (r, api, json) =>
                {
                    JsonElement task = await api.Delete($"/deployments/{ApiCommand.Escape(r.GetValue(name)!)}").ConfigureAwait(false);
                    return r.GetValue(noWait) ? task : await api.FollowDirectorTask(task, $"deleting {r.GetValue(name)}", json).ConfigureAwait(false);
                }, t => $"deleted: {t.Str("result")}"),
        };
    }

    public static Command Instances()
    {
        Argument<string> deployment = new("DEPLOYMENT") { Description = "The deployment" };
        Option<string?> logs = new("--logs") { Description = "Print the job logs of one instance instead (GROUP/INDEX)", HelpName = "GROUP/INDEX" };
        var command = new Command("instances", "A deployment's instances: node, address, epoch, state and what the agent reports") { deployment, logs };
        Option<bool> json = CommonOptions.Json();
        command.Options.Add(json);
        ApiConnection.AddTo(command);
        command.SetAction(async (r, _) =>
        {
            await using ApiConnection connection = await ApiConnection.Open(r).ConfigureAwait(false);
            string name = ApiCommand.Escape(r.GetValue(deployment)!);
            if (r.GetValue(logs) is { } which)
            {
                string[] parts = which.Split('/');
                if (parts.Length != 2 || !int.TryParse(parts[1], out int index))
                {
                    throw new ApiException(400, "usage", $"--logs takes GROUP/INDEX (for example web/0), not '{which}'");
                }
                Console.Write(await connection.Client.Text($"/deployments/{name}/instances/{ApiCommand.Escape(parts[0])}/{index}/logs").ConfigureAwait(false));
                return ExitCodes.Success;
            }
            JsonElement list = await connection.Client.Get($"/deployments/{name}/instances").ConfigureAwait(false);
            if (r.GetValue(json))
            {
                Output.Json(list);
                return ExitCodes.Success;
            }
            Console.WriteLine(TextTable.Render(list, "no instances",
                ("INSTANCE", i => $"{i.Str("group")}/{i.Str("index")}"), ("ID", i => i.Str("id")), ("NODE", i => i.Str("node")), ("ADDRESS", i => i.Str("address")),
                ("EPOCH", i => i.Str("epoch")), ("STATUS", i => i.Str("status").ToLowerInvariant()), ("AGENT", i => i.GetProperty("nodeAlive").GetBoolean() ? i.Str("phase") : "unreachable"),
                ("JOBS", i => string.Join(", ", i.GetProperty("jobs").EnumerateArray().Select(j => $"{j.Str("name")} {j.Str("process")}"))),
                ("ENDPOINTS", i => string.Join(" ", i.GetProperty("endpoints").EnumerateObject().Select(p => $"{p.Name}→{p.Value.GetString()}")))));
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Errands()
    {
        Argument<string> deployment = new("DEPLOYMENT") { Description = "The deployment" };
        Argument<string> group = new("GROUP") { Description = "An instance group with lifecycle: errand" };
        return new Command("errand", "Errands: instance groups that run to completion on request")
        {
            ApiCommand.Create("run", "Run an errand group's instances and print their output", [deployment, group],
                async (r, api, json) =>
                {
                    JsonElement task = await api.Post($"/deployments/{ApiCommand.Escape(r.GetValue(deployment)!)}/errands/{ApiCommand.Escape(r.GetValue(group)!)}").ConfigureAwait(false);
                    return await api.FollowDirectorTask(task, $"errand {r.GetValue(group)}", json).ConfigureAwait(false);
                },
                t => string.Join("\n", JsonDocument.Parse(t.Str("result")).RootElement.EnumerateArray()
                    .Select(e => $"{e.Str("instance")} on {e.Str("node")}: exit {e.Str("exitCode")}\n{e.Str("output")}"))),
        };
    }

    private static Argument<FileInfo> ManifestArgument() => new("MANIFEST") { Description = "The deployment manifest (YAML)" };

    private static Option<FileInfo?> VarsFile() => new("--vars-file")
    {
        Description = "YAML file of variable values for ((name)) in the manifest",
        HelpName = "FILE",
    };

    private static Option<string[]> Vars() => new("--var")
    {
        Description = "A variable value, NAME=VALUE (repeatable; wins over --vars-file)",
        HelpName = "NAME=VALUE",
        AllowMultipleArgumentsPerToken = false,
    };

    private static DeployDirector.Api.ManifestRequest Request(ParseResult r, Argument<FileInfo> manifest, Option<FileInfo?> varsFile, Option<string[]> vars)
    {
        FileInfo file = r.GetValue(manifest)!;
        if (!file.Exists)
        {
            throw new ApiException(404, "not found", $"no manifest at {file.FullName}");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (r.GetValue(varsFile) is { } variables)
        {
            foreach ((string key, string value) in ReadVariables(variables))
            {
                values[key] = value;
            }
        }
        foreach (string pair in r.GetValue(vars) ?? [])
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ApiException(400, "usage", $"--var takes NAME=VALUE, not '{pair}'");
            }
            values[pair[..equals]] = pair[(equals + 1)..];
        }
        return new DeployDirector.Api.ManifestRequest(File.ReadAllText(file.FullName), file.Name, values);
    }

    /// <summary>A variables file is a flat YAML mapping of names to scalar values.</summary>
    private static IEnumerable<(string, string)> ReadVariables(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new ApiException(404, "not found", $"no variables file at {file.FullName}");
        }
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(File.ReadAllText(file.FullName)));
        }
        catch (YamlDotNet.Core.YamlException bad)
        {
            throw new ApiException(400, "usage", $"{file.Name}:{bad.Start.Line}:{bad.Start.Column}: {bad.Message}");
        }
        if (yaml.Documents.Count == 0)
        {
            yield break;
        }
        if (yaml.Documents[0].RootNode is not YamlMappingNode mapping)
        {
            throw new ApiException(400, "usage", $"{file.Name}: a variables file is a mapping of NAME: VALUE");
        }
        foreach ((YamlNode key, YamlNode value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name } || value is not YamlScalarNode scalar)
            {
                throw new ApiException(400, "usage", $"{file.Name}:{key.Start.Line}:{key.Start.Column}: values must be plain scalars (NAME: VALUE)");
            }
            yield return (name, scalar.Value ?? "");
        }
    }
}
