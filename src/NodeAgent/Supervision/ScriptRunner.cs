using System.Diagnostics;

namespace NodeAgent.Supervision;

/// <summary>Runs a job script (drain, health, pre-start, an errand's run) to completion with a timeout and bounded output.</summary>
internal static class ScriptRunner
{
    /// <summary>How long output may keep coming after the script exits (a background child holding the pipe).</summary>
    private static readonly TimeSpan s_outputGrace = TimeSpan.FromSeconds(1);

    public static Task<ScriptResult> RunAsync(JobEnvironment environment, string script, TimeSpan timeout, int maxOutput, CancellationToken cancellation) =>
        RunAsync(environment, script, timeout, maxOutput, null, cancellation);

    /// <param name="variables">More environment variables for the script (a patch's), or null.</param>
    public static async Task<ScriptResult> RunAsync(JobEnvironment environment, string script, TimeSpan timeout, int maxOutput,
        IReadOnlyDictionary<string, string>? variables, CancellationToken cancellation)
    {
        var start = environment.StartInfo(script, appendTo: null);
        foreach (var (name, value) in variables ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"{script} did not start");
        var tail = new TailBuffer(maxOutput);
        var reading = CopyAsync(process.StandardOutput.BaseStream, tail);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            ProcessGroup.Signal(process.Id, ProcessGroup.SigKill);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (await Task.WhenAny(reading, Task.Delay(s_outputGrace, CancellationToken.None)).ConfigureAwait(false) != reading)
        {
            ProcessGroup.Signal(process.Id, ProcessGroup.SigKill);
        }

        await reading.ConfigureAwait(false);
        cancellation.ThrowIfCancellationRequested();
        return new ScriptResult(timedOut ? null : process.ExitCode, tail.ToString(), timedOut);
    }

    private static async Task CopyAsync(Stream output, TailBuffer tail)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await output.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            tail.Write(buffer.AsSpan(0, read));
        }
    }
}
