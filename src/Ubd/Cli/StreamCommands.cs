using System.CommandLine;
using System.Text.Json;

namespace Ubd.Cli;

/// <summary>`ubd image send` and `ubd image receive`: an edition as a checksummed, compressed stream file
/// (docs/stream-format.md), whole or as the changes since an older edition.</summary>
internal static class StreamCommands
{
    public static Command Send()
    {
        Argument<string> edition = ApiCommand.Layer("The edition to send (a lineage means its latest)");
        Option<string?> since = new("--since") { Description = "Send only what changed since this older edition of the chain (the receiver must hold it)", HelpName = "EDITION" };
        Option<FileInfo> output = new("--output") { Description = "Stream file to write (a path on the server)", Required = true, HelpName = "FILE" };
        return ApiCommand.Create("send", "Write an edition to a stream file: its whole disk, or with --since only the changes (LZ4, CRC-32C per record, SHA-256 of the disk)", [edition, since, output],
            (r, api, json) => api.RunTask($"/layers/{ApiCommand.Escape(r.GetValue(edition)!)}/send",
                new Api.SendRequest(r.GetValue(output)!.FullName, r.GetValue(since)), "sending", json),
            e => $"sent {e.Str("edition")}" + (e.TryGetProperty("since", out JsonElement s) && s.ValueKind == JsonValueKind.String ? $" since {s.GetString()}" : "")
                + $" to {e.Str("path")}: {Output.Bytes(e.Long("streamBytes"))} stream, {e.Long("dataBlocks")} data blocks, {e.Long("zeroBlocks")} zeroed; disk sha256 {e.Str("digest")}");
    }

    public static Command Receive()
    {
        Argument<FileInfo> file = new("FILE") { Description = "A stream written by 'ubd image send' (a path the server can read)" };
        Option<string?> name = new("--name") { Description = "Lineage of the received edition (default: the sender's)", HelpName = "LINEAGE" };
        Option<string?> over = new("--over") { Description = "For a stream made with --since: the edition here it applies to (default: the sender's base name)", HelpName = "EDITION" };
        return ApiCommand.Create("receive", "Publish the edition a stream carries as the next edition of a lineage; a damaged stream publishes nothing (exit 5)", [file, name, over],
            (r, api, json) => api.RunTask("/images/receive",
                new Api.ReceiveRequest(r.GetValue(file)!.FullName, r.GetValue(name), r.GetValue(over)), "receiving", json),
            e => $"received {e.GetProperty("layer").Str("name")} (sent as {e.Str("sentAs")}): {e.Long("dataBlocks")} data blocks, {e.Long("zeroBlocks")} zeroed; disk sha256 {e.Str("digest")} matches the sender's");
    }
}
