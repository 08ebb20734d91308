using System.CommandLine;
using System.Text.Json;

namespace Ubd.Cli;

/// <summary>Builds commands that talk to the API: each gets --data/--server/--token-file and --json,
/// and prints either the server's JSON or a line for people.</summary>
internal static class ApiCommand
{
    public static Command Create(string name, string description, IEnumerable<Symbol> symbols, Func<ParseResult, ApiClient, bool, Task<JsonElement>> run, Func<JsonElement, string> text)
    {
        var command = new Command(name, description);
        foreach (Symbol symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }
        Option<bool> json = CommonOptions.Json();
        command.Options.Add(json);
        ApiConnection.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            bool asJson = result.GetValue(json);
            await using ApiConnection connection = await ApiConnection.Open(result).ConfigureAwait(false);
            JsonElement answer = await run(result, connection.Client, asJson).ConfigureAwait(false);
            if (asJson)
            {
                Output.Json(answer);
            }
            else
            {
                Console.WriteLine(text(answer));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    public static Argument<string> Layer(string description = "The layer (a lineage alone means its latest edition)") =>
        new("LAYER") { Description = description };

    public static string Str(this JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : "-";

    public static long Long(this JsonElement element, string property) => element.GetProperty(property).GetInt64();

    public static string Escape(string value) => Uri.EscapeDataString(value);
}
