using System.CommandLine;
using System.Text.Json;

namespace Ubd.Cli;

/// <summary>`ubd rollout plan|start|pause|resume|cancel`: moving a deployment's nodes onto another edition.</summary>
internal static class RolloutCommands
{
    public static Command Build() => new("rollout", "Move a deployment's nodes onto another edition: canaries, batches, pause, rollback")
    {
        Plan(), Start(), Nodes(), Control("pause", "Pause a rollout before its next batch", "pause"),
        Control("resume", "Let a paused rollout go on (after its canaries, or after a pause)", "resume"),
        Control("cancel", "Stop a rollout at its next step; what moved stays moved ('ubd rollout start' with the old edition goes back)", "cancel"),
    };

    private static Command Plan()
    {
        Argument<string> deployment = new("DEPLOYMENT") { Description = "The deployment" };
        Option<string> to = To();
        return ApiCommand.Create("plan", "Show a rollout's batches per group and the node writes the new edition collides with; changes nothing", [deployment, to],
            (r, api, _) => api.Post($"/deployments/{ApiCommand.Escape(r.GetValue(deployment)!)}/rollouts/plan", new DeployDirector.Api.RolloutRequest(r.GetValue(to))),
            DescribePlan);
    }

    private static Command Start()
    {
        Argument<string> deployment = new("DEPLOYMENT") { Description = "The deployment" };
        Option<string> to = To();
        Option<bool> noWait = new("--no-wait") { Description = "Print the task and return; follow it with 'ubd director task show ID'" };
        Option<bool> accept = new("--accept-conflicts") { Description = "Move nodes that keep their leaf even where they wrote blocks the edition changes too (their own blocks win there)" };
        return ApiCommand.Create("start", "Roll a deployment onto an edition as its update block says (a task with progress)", [deployment, to, noWait, accept],
            async (r, api, json) =>
            {
                JsonElement task = await api.Post($"/deployments/{ApiCommand.Escape(r.GetValue(deployment)!)}/rollouts",
                    new DeployDirector.Api.RolloutRequest(r.GetValue(to), r.GetValue(accept))).ConfigureAwait(false);
                if (!json && !r.GetValue(noWait))
                {
                    Console.Error.WriteLine($"rollout task {task.Str("id")}: 'ubd rollout pause|resume|cancel {task.Str("id")}' from another terminal");
                }
                return r.GetValue(noWait) ? task : await api.FollowDirectorTask(task, $"rolling {r.GetValue(deployment)} onto {r.GetValue(to)}", json).ConfigureAwait(false);
            },
            DescribeDone);
    }

    private static Command Nodes()
    {
        Option<string> to = To();
        Option<string[]> nodes = new("--nodes") { Description = "The nodes (MACs, comma-separated or repeated) to move", AllowMultipleArgumentsPerToken = true, HelpName = "MAC" };
        Option<string?> group = new("--boot-group") { Description = "Every node whose leaf sits on an edition of this lineage", HelpName = "LINEAGE" };
        Option<int> canaries = new("--canaries") { Description = "Nodes moved first, alone", DefaultValueFactory = _ => 1 };
        Option<string> inFlight = new("--max-in-flight") { Description = "Nodes moved at once after the canaries: a count or a percentage", DefaultValueFactory = _ => "1", HelpName = "N|P%" };
        Option<int> watch = new("--watch") { Description = "Seconds a moved node's agent must keep answering", DefaultValueFactory = _ => 10, HelpName = "S" };
        Option<string> onFailure = new("--on-failure") { Description = "halt, or rollback (every moved node goes back)", DefaultValueFactory = _ => "halt", HelpName = "halt|rollback" };
        onFailure.AcceptOnlyFromAmong("halt", "rollback");
        Option<bool> noWait = new("--no-wait") { Description = "Print the task and return" };
        return ApiCommand.Create("nodes", "Move nodes no deployment holds onto an edition in batches (a task): reboot, boot check, agent watch",
            [to, nodes, group, canaries, inFlight, watch, onFailure, noWait],
            async (r, api, json) =>
            {
                string[] macs = [.. (r.GetValue(nodes) ?? []).SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
                if (macs.Length == 0 == (r.GetValue(group) is null))
                {
                    throw new ApiException(400, "usage", "name the nodes with either --nodes MAC[,MAC…] or --boot-group LINEAGE");
                }
                JsonElement task = await api.Post("/rollouts/nodes", new DeployDirector.Running.NodeRolloutRequest(r.GetValue(to)!, macs.Length > 0 ? macs : null, r.GetValue(group),
                    r.GetValue(canaries), r.GetValue(inFlight)!, r.GetValue(watch), r.GetValue(onFailure)!)).ConfigureAwait(false);
                return r.GetValue(noWait) ? task : await api.FollowDirectorTask(task, $"rolling nodes onto {r.GetValue(to)}", json).ConfigureAwait(false);
            },
            t => t.Str("state") != "Done" ? $"task {t.Str("id")}: {t.Str("state").ToLowerInvariant()}"
                : $"{JsonDocument.Parse(t.Str("result")).RootElement.Str("moved")} node(s) on {JsonDocument.Parse(t.Str("result")).RootElement.Str("to")}");
    }

    private static Command Control(string name, string description, string verb)
    {
        Argument<long> id = new("TASK") { Description = "The rollout's task id ('ubd director task list')" };
        return ApiCommand.Create(name, description, [id],
            (r, api, _) => api.Post($"/director/tasks/{r.GetValue(id)}/{verb}"),
            t => $"task {t.Str("id")}: {t.Str("state").ToLowerInvariant()}{(verb == "cancel" ? "" : $" ({verb} asked)")}");
    }

    private static Option<string> To() => new("--to") { Description = "The edition to move onto (a lineage alone means its latest edition)", Required = true, HelpName = "EDITION" };

    private static string DescribePlan(JsonElement plan)
    {
        var lines = new List<string> { $"{plan.Str("deployment")}: " + string.Join(", ", plan.GetProperty("to").EnumerateObject().Select(p =>
            $"{p.Name} {plan.GetProperty("from").GetProperty(p.Name).GetString()} → {p.Value.GetString()}")) };
        foreach (JsonElement group in plan.GetProperty("groups").EnumerateArray())
        {
            JsonElement[] batches = [.. group.GetProperty("batches").EnumerateArray()];
            lines.Add($"  {group.Str("group")} (leaf_policy {group.Str("leafPolicy")}, on_failure {group.Str("onFailure")}{(group.GetProperty("pauseAfterCanaries").GetBoolean() ? ", pause after canaries" : "")}): "
                + (batches.Length == 0 ? "nothing to change" : $"{batches.Length} batch(es)"));
            lines.AddRange(batches.Select((b, i) => $"    {i + 1}. {(b.GetProperty("canary").GetBoolean() ? "canary " : "")}{string.Join(" ", b.GetProperty("instances").EnumerateArray().Select(x => x.GetString()))}"));
        }
        JsonElement[] conflicts = [.. plan.GetProperty("conflicts").EnumerateArray()];
        lines.Add(conflicts.Length == 0 ? "  conflicts: none (no node wrote a block the new edition changes)" : "  conflicts (the node's own blocks win):");
        lines.AddRange(conflicts.Select(c => $"    {c.Str("instance")} on {c.Str("node")}: {c.Str("extents")} extent(s), {Output.Bytes(c.Long("bytes"))} ({c.Str("from")} → {c.Str("to")})"));
        return string.Join('\n', lines);
    }

    private static string DescribeDone(JsonElement task)
    {
        if (task.Str("state") != "Done")
        {
            return $"task {task.Str("id")}: {task.Str("state").ToLowerInvariant()} (follow it: ubd director task show {task.Str("id")})";
        }
        JsonElement result = JsonDocument.Parse(task.Str("result")).RootElement;
        var lines = new List<string> { $"rolled out {result.Str("deployment")}: {result.Str("moved")} node(s) moved onto the new edition, {result.Str("updated")} instance(s) updated, {result.Str("kept")} unchanged" };
        lines.AddRange(result.GetProperty("batches").EnumerateArray().Select(b =>
            $"  {b.Str("group")}: {(b.GetProperty("canary").GetBoolean() ? "canary " : "")}{string.Join(" ", b.GetProperty("instances").EnumerateArray().Select(x => x.GetString()))} in {b.Str("seconds")} s"));
        return string.Join('\n', lines);
    }
}
