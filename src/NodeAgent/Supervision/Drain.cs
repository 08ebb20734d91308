using System.Diagnostics;

namespace NodeAgent.Supervision;

/// <summary>Runs a job's bin/drain under the drain contract (<see cref="DrainAnswer"/>) within a time budget.</summary>
internal static class Drain
{
    /// <summary>Drains the job; returns null when it is ready to stop, else why it is stopped anyway (no answer, out of time).</summary>
    public static async Task<string?> RunAsync(JobEnvironment environment, TimeSpan budget, CancellationToken cancellation)
    {
        var script = environment.Script("drain");
        if (!File.Exists(script))
        {
            return null;
        }

        var started = Stopwatch.GetTimestamp();
        TimeSpan Left() => budget - Stopwatch.GetElapsedTime(started);
        while (true)
        {
            var left = Left();
            if (left <= TimeSpan.Zero)
            {
                return "drain ran out of time";
            }

            var result = await ScriptRunner.RunAsync(environment, script, left, 4096, cancellation).ConfigureAwait(false);
            if (result.TimedOut)
            {
                return "bin/drain ran out of time";
            }

            if (result.ExitCode != 0 || !DrainAnswer.TryParse(result.Output, out var answer))
            {
                return $"bin/drain exited with code {result.ExitCode} and printed '{result.Output.Trim()}', not a number of seconds";
            }

            var wait = answer.Wait < Left() ? answer.Wait : Left();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellation).ConfigureAwait(false);
            }

            if (!answer.AskAgain)
            {
                return answer.Wait <= wait ? null : "drain ran out of time";
            }
        }
    }
}
