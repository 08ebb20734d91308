using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ubd.Cli;

/// <summary>`ubd group …`: the director's service groups — status, endpoints, events, and resuming a
/// group its meltdown guard holds back.</summary>
internal static class GroupCommands
{
    /// <summary>How often <c>ubd group events --follow</c> asks for newer events.</summary>
    public static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    public static Command Build() => new("group", "Service groups of deployments: members' health and load, hot spares, endpoints, failover events")
    {
        Status(), Endpoints(), Resume(), Events(),
    };

    private static Command Status()
    {
        Argument<string?> which = new("DEPLOYMENT[/GROUP]") { Description = "One group, or every group of one deployment (default: all groups)", Arity = ArgumentArity.ZeroOrOne };
        return ApiCommand.Create("status", "Each group's members (node, health, utilization, availability, epoch), leader, spares, endpoints, orphans, meltdown and alerts", [which],
            async (r, api, _) => r.GetValue(which) switch
            {
                null => await api.Get("/groups").ConfigureAwait(false),
                string name when name.Contains('/', StringComparison.Ordinal) => await api.Get(GroupPath(name)).ConfigureAwait(false),
                string deployment => await api.Get($"/groups?deployment={ApiCommand.Escape(deployment)}").ConfigureAwait(false),
            },
            StatusText);
    }

    private static Command Endpoints()
    {
        Argument<string> group = GroupArgument();
        return ApiCommand.Create("endpoints", "The members that take clients now, with their addresses, and the group's ports", [group],
            (r, api, _) => api.Get(GroupPath(r.GetValue(group)!) + "/endpoints"),
            EndpointsText);
    }

    private static Command Resume()
    {
        Argument<string> group = GroupArgument();
        return ApiCommand.Create("resume", "Resume a group that its meltdown guard holds back (too many members lost at once): its moves go again. Check 'ubd group status' first", [group],
            (r, api, _) => api.Post(GroupPath(r.GetValue(group)!) + "/resume"),
            g => $"{g.Str("deployment")}/{g.Str("group")}: resumed; its moves go again ('ubd group events {g.Str("deployment")}/{g.Str("group")} --follow' shows them)");
    }

    private static Command Events()
    {
        Argument<string?> which = new("DEPLOYMENT[/GROUP]") { Description = "Only this group's or deployment's events (default: all)", Arity = ArgumentArity.ZeroOrOne };
        Option<long> after = new("--after") { Description = "Only events after this sequence number", HelpName = "SEQ" };
        Option<bool> follow = new("--follow", "-f") { Description = "Keep printing new events until Ctrl-C (with --json: one JSON object a line)" };
        var command = new Command("events", "What the supervisor decided and did, oldest first: deaths, fences, moves, spares, alerts") { which, after, follow };
        Option<bool> json = CommonOptions.Json();
        command.Options.Add(json);
        ApiConnection.AddTo(command);
        command.SetAction(async (r, cancellation) =>
        {
            await using ApiConnection connection = await ApiConnection.Open(r).ConfigureAwait(false);
            string filter = r.GetValue(which) is { } name ? "&group=" + ApiCommand.Escape(CheckedFilter(name)) : "";
            long seen = r.GetValue(after);
            bool asJson = r.GetValue(json);
            if (!r.GetValue(follow))
            {
                JsonElement list = await connection.Client.Get($"/groups/events?after={seen}{filter}").ConfigureAwait(false);
                if (asJson)
                {
                    Output.Json(list);
                }
                else
                {
                    Console.WriteLine(EventsText(list));
                }
                return ExitCodes.Success;
            }
            while (!cancellation.IsCancellationRequested)
            {
                JsonElement list = await connection.Client.Get($"/groups/events?after={seen}{filter}").ConfigureAwait(false);
                foreach (JsonElement e in list.EnumerateArray())
                {
                    Console.WriteLine(asJson ? e.GetRawText() : EventLine(e));
                    seen = e.Long("sequence");
                }
                Console.Out.Flush();
                try
                {
                    await Task.Delay(FollowInterval, cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            return ExitCodes.Success;
        });
        return command;
    }

    internal static Argument<string> GroupArgument() => new("DEPLOYMENT/GROUP") { Description = "The service group ('ubd group status' lists them)" };

    /// <summary>The API path of DEPLOYMENT/GROUP; anything else is a usage error that shows the form.</summary>
    internal static string GroupPath(string group)
    {
        string[] parts = group.Split('/');
        return parts.Length == 2 && parts.All(p => p.Length > 0)
            ? $"/groups/{ApiCommand.Escape(parts[0])}/{ApiCommand.Escape(parts[1])}"
            : throw new ApiException(400, "usage", $"'{group}' is not DEPLOYMENT/GROUP (for example demo/web); 'ubd group status' lists the groups");
    }

    /// <summary>A deployment, or a DEPLOYMENT/GROUP checked like every other group argument.</summary>
    private static string CheckedFilter(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            _ = GroupPath(name);
        }
        return name;
    }

    internal static string StatusText(JsonElement answer)
    {
        JsonElement[] groups = answer.ValueKind == JsonValueKind.Array ? [.. answer.EnumerateArray()] : [answer];
        return groups.Length == 0
            ? "no service groups: a deployment's instance groups with lifecycle service appear here once deployed ('ubd deploy MANIFEST')"
            : string.Join("\n\n", groups.Select(GroupText));
    }

    private static string GroupText(JsonElement g)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{g.Str("deployment")}/{g.Str("group")}: leader {g.Str("leader")}")
            .Append(g.GetProperty("meltdown").GetBoolean()
                ? $"; MELTDOWN: moves are held back until 'ubd group resume {g.Str("deployment")}/{g.Str("group")}'"
                : "").Append('\n');
        text.Append(TextTable.Render(g.GetProperty("members"), "no instances",
            ("INSTANCE", m => m.Str("instance")), ("NODE", m => m.Str("node")), ("HEALTH", Health), ("UTIL", m => Percent(m, "utilization")),
            ("AVAILABLE", m => m.GetProperty("available").GetBoolean() ? "yes" : "no"), ("EPOCH", m => m.Str("epoch")), ("STATUS", m => m.Str("status")))).Append('\n');
        text.Append("spares: ").Append(List(g.GetProperty("spares"))).Append('\n');
        text.Append("endpoints: ").Append(List(g.GetProperty("endpoints"))).Append('\n');
        text.Append("orphans: ").Append(List(g.GetProperty("orphans")));
        JsonElement[] alerts = [.. g.GetProperty("alerts").EnumerateArray()];
        text.Append("\nalerts: ").Append(alerts.Length == 0 ? "none" : string.Concat(alerts.Select(a => "\n  " + EventLine(a))));
        return text.ToString();
    }

    private static string Health(JsonElement member)
    {
        string[] marks = [.. new[] { member.GetProperty("quiesced").GetBoolean() ? "quiesced" : null, member.GetProperty("fenced").GetBoolean() ? "fenced" : null }.OfType<string>()];
        return marks.Length == 0 ? member.Str("health") : $"{member.Str("health")} ({string.Join(", ", marks)})";
    }

    private static string Percent(JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.Number
            ? (value.GetDouble() * 100).ToString("0", CultureInfo.InvariantCulture) + "%"
            : "-";

    private static string List(JsonElement items) =>
        items.GetArrayLength() == 0 ? "none" : string.Join(", ", items.EnumerateArray().Select(i => i.GetString()));

    internal static string EndpointsText(JsonElement view)
    {
        string ports = view.GetProperty("ports").EnumerateObject().Any()
            ? string.Join(", ", view.GetProperty("ports").EnumerateObject().Select(p => $"{p.Name}={p.Value}"))
            : "none declared";
        string members = TextTable.Render(view.GetProperty("members"), "no member takes clients now ('ubd group status' says why)",
            ("INSTANCE", m => m.Str("instance")), ("ADDRESS", m => m.Str("address")), ("NODE", m => m.Str("node")), ("UTIL", m => Percent(m, "utilization")));
        return $"{view.Str("deployment")}/{view.Str("group")} ports: {ports}\n{members}";
    }

    internal static string EventsText(JsonElement events) => TextTable.Render(events, "no service-group events",
        ("SEQ", e => e.Str("sequence")), ("TIME", e => e.Str("at")), ("GROUP", e => e.Str("group")), ("KIND", e => e.Str("kind")), ("MESSAGE", e => e.Str("message")));

    private static string EventLine(JsonElement e) => $"{e.Str("sequence")}  {e.Str("at")}  {e.Str("group")}  {e.Str("kind")}: {e.Str("message")}";
}
