using System.Diagnostics;

namespace Ubd.Tests;

/// <summary>The real `ubd` executable (beside the tests) run as a child process, so the tests see
/// exactly what an operator sees: its exit code, its output, its errors.</summary>
public static class UbdProcess
{
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ubd.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // A server or token in the test's environment must not change what the command talks to.
        start.Environment.Remove("UBD_SERVER");
        start.Environment.Remove("UBD_TOKEN");
        return start;
    }

    /// <summary>Runs one command to its end (at most a minute).</summary>
    public static async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using Process process = Process.Start(StartInfo(args))!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
