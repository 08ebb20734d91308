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

    public static void Error(string message) => Console.Error.WriteLine($"ubd: error: {message}");

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB",
    };

}
