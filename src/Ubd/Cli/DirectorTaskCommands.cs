using System.CommandLine;

namespace Ubd.Cli;

/// <summary>`ubd director task …`: the director's long operations (deploys, deletes, errands).</summary>
internal static class DirectorTaskCommands
{
    public static Command Build()
    {
        Argument<long> id = new("ID") { Description = "The task id" };
        Argument<long> cancelId = new("ID") { Description = "The task id" };
        Option<string?> deployment = new("--deployment") { Description = "Only this deployment's tasks", HelpName = "NAME" };
        return new Command("director", "The deployment director's tasks")
        {
            new Command("task", "Deploys, deletes, errands and image patches: queued, processing, cancelling, cancelled, done or error")
            {
                ApiCommand.Create("list", "Recent director tasks, newest first", [deployment],
                    (r, api, _) => api.Get("/director/tasks" + (r.GetValue(deployment) is { } d ? $"?deployment={ApiCommand.Escape(d)}" : "")),
                    list => TextTable.Render(list, "no director tasks",
                        ("ID", t => t.Str("id")), ("KIND", t => t.Str("kind")), ("DEPLOYMENT", t => t.Str("deployment")), ("STATE", t => t.Str("state").ToLowerInvariant()),
                        ("STARTED", t => t.Str("startedAt")), ("ERROR", t => t.Str("error")))),
                ApiCommand.Create("show", "A task's state, steps and result", [id], (r, api, _) => api.Get($"/director/tasks/{r.GetValue(id)}"),
                    t => $"task {t.Str("id")} {t.Str("kind")} {t.Str("deployment")}: {t.Str("state").ToLowerInvariant()}\n"
                        + string.Join("\n", t.GetProperty("events").EnumerateArray().Select(e => $"  {e.Str("at")} {e.Str("stage")}: {e.Str("message")}"))
                        + (t.Str("error") == "-" ? "" : $"\nerror: {t.Str("error")}") + (t.Str("result") == "-" ? "" : $"\nresult: {t.Str("result")}")),
                ApiCommand.Create("cancel", "Cancel a task: it stops at its next step (what it did is kept)", [cancelId],
                    (r, api, _) => api.Post($"/director/tasks/{r.GetValue(cancelId)}/cancel"), t => $"task {t.Str("id")}: {t.Str("state").ToLowerInvariant()}"),
            },
        };
    }
}
