using System.CommandLine;

namespace Ubd.Cli;

/// <summary>`ubd task …`, `ubd events`, `ubd attachment …`, `ubd token …`: the server's side records.</summary>
internal static class TaskCommands
{
    public static Command Tasks() => new("task", "Long operations the server runs (import, flatten, reconcile, export)")
    {
        ApiCommand.Create("list", "Recent tasks, newest first", [], (_, api, _) => api.Get("/tasks"),
            tasks => TextTable.Render(tasks, "no tasks",
                ("ID", t => t.Str("id")), ("KIND", t => t.Str("kind")), ("TARGET", t => t.Str("target")), ("STATE", t => t.Str("state")),
                ("PROGRESS", t => t.Long("total") > 0 ? $"{100 * t.Long("done") / t.Long("total")}%" : "-"), ("ERROR", t => t.Str("error")))),
        Show(),
    };

    private static Command Show()
    {
        Argument<string> id = new("ID") { Description = "The task id" };
        return ApiCommand.Create("show", "A task's state, progress and result", [id],
            (r, api, _) => api.Get($"/tasks/{ApiCommand.Escape(r.GetValue(id)!)}"),
            t => $"{t.Str("id")} {t.Str("kind")} {t.Str("target")}: {t.Str("state")} ({t.Long("done")}/{t.Long("total")}){(t.Str("error") == "-" ? "" : " — " + t.Str("error"))}");
    }

    public static Command Events()
    {
        Option<long> after = new("--after") { Description = "Only events after this sequence number", HelpName = "SEQ" };
        return ApiCommand.Create("events", "What happened to the tree (quotas crossed, editions published, …)", [after],
            (r, api, _) => api.Get($"/events?after={r.GetValue(after)}"),
            events => TextTable.Render(events, "no events",
                ("SEQ", e => e.Str("sequence")), ("TIME", e => e.Str("time")), ("KIND", e => e.Str("kind")), ("LAYER", e => e.Str("layer")), ("MESSAGE", e => e.Str("message"))));
    }

    public static Command Attachments()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf");
        return new Command("attachment", "Nodes attached to leaves (open NBD connections, remembered across restarts)")
        {
            ApiCommand.Create("list", "Attached nodes", [], (_, api, _) => api.Get("/attachments"),
                list => TextTable.Render(list, "no node is attached",
                    ("LEAF", a => a.Str("leaf")), ("CLIENT", a => a.Str("client")), ("SINCE", a => a.Str("since")), ("CONNECTIONS", a => a.Str("connections")), ("INTERRUPTED", a => a.Str("interrupted")))),
            ApiCommand.Create("forget", "Forget a node's attachment (it is known to be off)", [leaf],
                async (r, api, _) =>
                {
                    await api.Delete($"/attachments/{ApiCommand.Escape(r.GetValue(leaf)!)}").ConfigureAwait(false);
                    return default;
                }, _ => "forgotten"),
        };
    }

    public static Command Tokens()
    {
        Argument<string> name = new("NAME") { Description = "A name for the token (who or what uses it)" };
        Option<ImageTree.Tree.TokenRole> role = new("--role") { Description = "ReadOnly or Operator", DefaultValueFactory = _ => ImageTree.Tree.TokenRole.ReadOnly };
        return new Command("token", "API tokens (stored hashed; shown once at creation)")
        {
            ApiCommand.Create("create", "Create a token and print it", [name, role],
                (r, api, _) => api.Post("/tokens", new Api.TokenRequest(r.GetValue(name)!, r.GetValue(role))),
                t => t.Str("token")),
            ApiCommand.Create("list", "Token names and roles", [], (_, api, _) => api.Get("/tokens"),
                list => TextTable.Render(list, "no tokens: create one with 'ubd token create NAME --role Operator --data DIR'",
                    ("NAME", t => t.Str("name")), ("ROLE", t => t.Str("role")), ("CREATED", t => t.Str("created")))),
        };
    }
}
