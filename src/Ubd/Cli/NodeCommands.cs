using System.CommandLine;
using System.Text.Json;
using Ubd.Nodes;

namespace Ubd.Cli;

/// <summary>`ubd node …`: network-booted nodes — list, settings, fences, service-group switches
/// (quiesce, hot spare), and launching emulated ones.</summary>
internal static class NodeCommands
{
    public static Command Build()
    {
        var node = new Command("node", "Network-booted nodes: list them, set their boot settings, fence them, quiesce them or make them hot spares, launch emulated ones")
        {
            ApiCommand.Create("list", "Nodes: MAC, leaf, edition, boots, bytes read (from shared layers) and written, and fences", [],
                (_, api, _) => api.Get("/nodes"), Table),
            Set(), Group(), Fence(), Unfence(), Quiesce(), Unquiesce(), Spare(), Launch(),
        };
        node.Aliases.Add("nodes");
        return node;
    }

    internal static string Table(JsonElement nodes) => TextTable.Render(nodes, "no nodes yet: they register when they PXE-boot (ubd node launch N)",
        ("MAC", n => n.Str("mac")), ("LEAF", n => n.Str("leaf")), ("EDITION", n => n.Str("edition")), ("BOOTS", n => n.Str("boots")),
        ("LAST BOOT", n => n.Str("lastBoot")), ("ATTACHED", n => n.Str("attached")),
        ("READ", n => Output.Bytes(n.Long("bytesRead"))), ("FROM SHARED", n => Output.Bytes(n.Long("bytesReadFromShared"))),
        ("WRITTEN", n => Output.Bytes(n.Long("bytesWritten"))),
        ("FENCED", n => n.TryGetProperty("fence", out JsonElement fence) && fence.ValueKind == JsonValueKind.Object ? $"yes: {fence.Str("reason")}" : "-"));

    private static Command Fence()
    {
        Argument<string> mac = new("MAC") { Description = "The node's MAC address ('ubd node list' shows them)" };
        Option<string?> reason = new("--reason") { Description = $"Why, shown to the node's NBD client and in events (default: {Api.FenceRequest.DefaultReason})", HelpName = "TEXT" };
        return ApiCommand.Create("fence", "Cut a node off its disk: its open NBD connections end and its leaf refuses it until 'ubd node unfence'. Run it before moving a dead node's work elsewhere",
            [mac, reason],
            (r, api, _) => api.Post($"/nodes/{ApiCommand.Escape(r.GetValue(mac)!)}/fence", new Api.FenceRequest(r.GetValue(reason))),
            n => $"{n.Str("mac")}: fenced ({n.GetProperty("fence").Str("reason")}); {n.Str("leaf")} refuses it until 'ubd node unfence {n.Str("mac")}'");
    }

    private static Command Unfence()
    {
        Argument<string> mac = new("MAC") { Description = "The node's MAC address" };
        return ApiCommand.Create("unfence", "Lift a node's fence: its leaf serves it again (reboot the node, or let its NBD client reconnect)", [mac],
            (r, api, _) => api.Delete($"/nodes/{ApiCommand.Escape(r.GetValue(mac)!)}/fence"),
            n => $"{n.Str("mac")}: not fenced; {n.Str("leaf")} serves it again");
    }

    private static Command Quiesce()
    {
        Argument<string> mac = new("MAC") { Description = "The node's MAC address ('ubd stemcell list' shows them)" };
        return ApiCommand.Create("quiesce", "Take a node out of service groups' rotation: it keeps serving what it holds, takes no new instance and leaves endpoint lists (before maintenance)",
            [mac],
            (r, api, _) => api.Post($"/stemcells/{ApiCommand.Escape(r.GetValue(mac)!)}/quiesce"),
            n => $"{n.Str("mac")}: quiesced; {(n.Str("instance") is "-" ? "it holds nothing" : $"it keeps serving {n.Str("instance")}")} and takes nothing new until 'ubd node unquiesce {n.Str("mac")}'");
    }

    private static Command Unquiesce()
    {
        Argument<string> mac = new("MAC") { Description = "The node's MAC address" };
        return ApiCommand.Create("unquiesce", "Put a quiesced node back: it takes instances and joins endpoint lists again", [mac],
            (r, api, _) => api.Delete($"/stemcells/{ApiCommand.Escape(r.GetValue(mac)!)}/quiesce"),
            n => $"{n.Str("mac")}: in service again");
    }

    private static Command Spare()
    {
        Argument<string> mac = new("MAC") { Description = "The node's MAC address (an idle stem cell)" };
        Option<string?> group = new("--group") { Description = "The service group it stands by for", HelpName = "DEPLOYMENT/GROUP" };
        Option<bool> none = new("--none") { Description = "It is a hot spare of no group any more (its prepared copies are removed)" };
        return ApiCommand.Create("spare", "Make an idle node a hot spare of a service group: it holds the group's instances prepared and takes the first failover",
            [mac, group, none],
            (r, api, _) =>
            {
                string path = $"/stemcells/{ApiCommand.Escape(r.GetValue(mac)!)}/spare";
                return (r.GetValue(group), r.GetValue(none)) switch
                {
                    ({ } g, false) => api.Send(HttpMethod.Put, path, new DeployDirector.Api.SpareRequest(CheckedGroup(g))),
                    (null, true) => api.Delete(path),
                    _ => throw new ApiException(400, "usage", "say which: --group DEPLOYMENT/GROUP (make it a hot spare) or --none (no longer a spare)"),
                };
            },
            n => n.Str("spareFor") is "-" ? $"{n.Str("mac")}: not a hot spare" : $"{n.Str("mac")}: hot spare of {n.Str("spareFor")}");
    }

    private static string CheckedGroup(string group)
    {
        _ = GroupCommands.GroupPath(group);
        return group;
    }

    private static Command Set()
    {
        Argument<string> mac = new("MAC") { Description = "The node's MAC address" };
        Option<string?> edition = new("--edition") { Description = "The edition it boots from its next boot on ('' to follow its group)", HelpName = "LAYER" };
        Option<string?> args = new("--kernel-args") { Description = "Extra kernel arguments ('' to clear)", HelpName = "ARGS" };
        return ApiCommand.Create("set", "A node's own boot settings", [mac, edition, args],
            (r, api, _) => api.Patch($"/nodes/{ApiCommand.Escape(r.GetValue(mac)!)}", new Api.NodeSettingsRequest(r.GetValue(edition), r.GetValue(args))),
            n => $"{n.Str("mac")}: boots {n.Str("editionSetting")} next; kernel args '{n.Str("kernelArgs")}'");
    }

    private static Command Group()
    {
        Argument<string> group = new("GROUP") { Description = "A lineage (nodes whose leaves sit on its editions)" };
        Option<string?> edition = new("--edition") { Description = "The edition the group's nodes boot", HelpName = "LAYER" };
        Option<string?> args = new("--kernel-args") { Description = "Kernel arguments for the group's nodes", HelpName = "ARGS" };
        return ApiCommand.Create("group", "Boot settings for a group of nodes (a lineage; service groups are 'ubd group')", [group, edition, args],
            (r, api, _) => api.Send(HttpMethod.Put, $"/boot-groups/{ApiCommand.Escape(r.GetValue(group)!)}", new Api.NodeSettingsRequest(r.GetValue(edition), r.GetValue(args))),
            g => $"group {g.Str("group")}: edition {g.Str("edition")}, kernel args '{g.Str("kernelArgs")}'");
    }

    private static Command Launch()
    {
        Argument<int> count = new("N") { Description = "How many nodes to start" };
        Option<string> advertise = new("--advertise") { Description = "How guests reach the host (QEMU user networking: 10.0.2.2)", DefaultValueFactory = _ => "10.0.2.2", HelpName = "HOST" };
        Option<int> first = new("--first") { Description = "Number of the first node (MACs 52:54:00:0b:00:NN)", DefaultValueFactory = _ => 1 };
        Option<DirectoryInfo> consoles = new("--console-dir") { Description = "Where the nodes' consoles are written", DefaultValueFactory = _ => new DirectoryInfo("node-consoles"), HelpName = "DIR" };
        Option<int> memory = new("--memory") { Description = "MiB of memory per node", DefaultValueFactory = _ => 256 };
        Option<int> timeout = new("--timeout") { Description = "Seconds to wait for every node to reach init", DefaultValueFactory = _ => 300 };
        Option<bool> keep = new("--keep-running") { Description = "Keep the nodes running after they booted (until Ctrl-C)" };
        return ApiCommand.Create("launch", "Start N emulated nodes that PXE-boot from the server; report seconds to init and bytes served",
            [count, advertise, first, consoles, memory, timeout, keep],
            async (r, api, json) =>
            {
                string server = r.GetValue<string?>("--server") ?? Environment.GetEnvironmentVariable("UBD_SERVER")
                    ?? throw new ApiException(400, "usage", "launch needs the running server: --server URL (or UBD_SERVER); nodes boot from its /boot/ipxe");
                var launcher = new NodeLauncher(server, r.GetValue(advertise)!, r.GetValue(consoles)!.FullName, r.GetValue(memory));
                return await launcher.RunAsync(api, r.GetValue(count), r.GetValue(first), TimeSpan.FromSeconds(r.GetValue(timeout)), r.GetValue(keep), json).ConfigureAwait(false);
            },
            Summary);
    }

    private static string Summary(JsonElement result) => string.Join('\n',
        result.GetProperty("nodes").EnumerateArray().Select(n =>
            $"{n.Str("mac")}  {n.Str("leaf"),-20} init after {n.Str("secondsToInit")} s   read {Output.Bytes(n.Long("bytesRead"))} ({Output.Bytes(n.Long("bytesReadFromShared"))} from shared layers)   written to its leaf {Output.Bytes(n.Long("bytesWritten"))}   console {n.Str("console")}"));
}
