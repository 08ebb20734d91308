using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Ubd.Cli;

/// <summary>How commands talk to people and scripts: JSON on request, text otherwise, progress only on a terminal.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Json<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, s_json));

    /// <summary>Runs <paramref name="work"/> with a progress bar when a person is watching a terminal.</summary>
    public static async Task<T> WithProgressAsync<T>(string label, long total, bool quiet, Func<IProgress<long>?, Task<T>> work)
    {
        if (quiet || Console.IsOutputRedirected)
        {
            return await work(null).ConfigureAwait(false);
        }
        return await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(label, maxValue: Math.Max(1, total));
                T result = await work(new Progress<long>(done => task.Value = done)).ConfigureAwait(false);
                task.Value = task.MaxValue;
                return result;
            }).ConfigureAwait(false);
    }

    /// <summary>A dry run's report in a line: what would be published over what, how much, which leaves would move.</summary>
    public static string DryRun(JsonElement report)
    {
        string what = report.GetProperty("publishes").ValueKind == JsonValueKind.String
            ? $"{report.GetProperty("operation").GetString()} of {report.GetProperty("layer").GetString()} would make {report.GetProperty("publishes").GetString()}"
              + (report.GetProperty("over").ValueKind == JsonValueKind.String ? $" over {report.GetProperty("over").GetString()}" : "")
            : $"{report.GetProperty("operation").GetString()} of {report.GetProperty("layer").GetString()} would";
        string moves = report.GetProperty("moves").GetArrayLength() is int n and > 0 ? $"; {n} leaf/leaves would move" : "";
        return $"{what} writing {Bytes(report.GetProperty("bytes").GetInt64())} ({report.GetProperty("blocks").GetInt64()} blocks){moves} — dry run, nothing changed";
    }

    public static void Error(string message) => Console.Error.WriteLine($"ubd: error: {message}");

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB",
    };

}
