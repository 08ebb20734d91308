using System.Diagnostics;
using System.Text;
using DeployDirector.Contracts;
using NodeAgent.Supervision;

namespace NodeAgent.Actions;

/// <summary>Runs an errand's jobs' bin/run to completion, one after another; the result carries the exit code and the output's tail.</summary>
internal sealed class RunErrand(AgentContext context) : IAgentAction
{
    public string Kind => CommandKind.RunErrand;

    public bool NeedsInstance => true;

    public async Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        var instance = command.Instance!;
        var runtime = context.Instances.Find(instance.Id);
        if (runtime?.Spec is null)
        {
            return AgentContext.Refuse(command, Refusals.UnknownInstance, $"nothing is applied for {instance}");
        }

        runtime.Record(instance, null, InstancePhase.Running);
        var started = Stopwatch.GetTimestamp();
        var budget = AgentContext.TimeoutOf(command);
        var output = new TailBuffer(AgentProtocol.MaxOutputBytes);
        var jobs = new List<JobState>();
        int? exitCode = 0;
        var timedOut = false;
        foreach (var job in runtime.Spec.Jobs)
        {
            var environment = runtime.Environment(job);
            var left = budget - Stopwatch.GetElapsedTime(started);
            var result = left > TimeSpan.Zero
                ? await ScriptRunner.RunAsync(environment, environment.Script("run"), left, AgentProtocol.MaxOutputBytes, cancellation).ConfigureAwait(false)
                : new ScriptResult(null, "", TimedOut: true);
            if (runtime.Spec.Jobs.Count > 1)
            {
                output.Write(Encoding.UTF8.GetBytes($"==> {job} <==\n"));
            }

            output.Write(Encoding.UTF8.GetBytes(result.Output));
            var error = result.TimedOut ? "timed out" : result.ExitCode == 0 ? null : $"exited with code {result.ExitCode}";
            jobs.Add(new JobState(job, "exited", null, 0, null, error));
            timedOut |= result.TimedOut;
            if (exitCode == 0)
            {
                exitCode = result.ExitCode;
            }
        }

        runtime.RecordFinished(jobs);
        runtime.Record(instance, null, InstancePhase.Finished);
        var ok = !timedOut && exitCode == 0;
        var refusal = ok ? null : timedOut ? Refusals.Timeout : Refusals.Failed;
        var summary = ok ? null : timedOut ? "the errand ran out of time" : $"the errand exited with code {exitCode}";
        return new CommandResult(command.Id, ok, refusal, summary, output.ToString(), exitCode, runtime.Snapshot());
    }
}
