using System.Diagnostics;
using System.Globalization;
using DeployDirector.Contracts;
using NodeAgent.Supervision;
using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests;

/// <summary>Jobs under the real agent: restarts with backoff, failing, the drain contract, errands, logs, health.</summary>
public sealed class SupervisionTests
{
    [Fact]
    public async Task An_exiting_job_is_restarted_with_growing_delays_then_reported_failing_while_heartbeats_continue()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("crashy-0", 1);
        var starts = session.Marker("starts");
        await session.DeployAsync(new ArchiveBuilder(instance).Job("worker", ("run", $"date +%s%N >> {starts}\nexit 3")), instance);

        var failing = await session.WaitStateAsync("crashy-0", s => s.Phase == InstancePhase.Failing, "phase failing");

        var job = failing.Jobs.Single();
        Assert.True(job.Restarts >= RestartPolicy.FailingAfter, $"restarts {job.Restarts}");
        Assert.Contains("exited with code 3", job.LastError, StringComparison.Ordinal);
        var times = File.ReadAllLines(starts).Select(line => long.Parse(line, CultureInfo.InvariantCulture) / 1e6).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToList();
        Assert.True(gaps.Count >= 4, $"{gaps.Count} restarts seen");

        // 100 ms doubling: 100, 200, 400, 800 ms (plus process start-up time).
        Assert.True(gaps[0] >= 90, $"first delay {gaps[0]} ms");
        Assert.True(gaps[3] >= 750, $"fourth delay {gaps[3]} ms");
        Assert.True(gaps[3] > gaps[1] + 300, $"delays {string.Join(", ", gaps)} do not grow");
        var beats = session.Director.Heartbeats.Count;
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count > beats + 3, AgentSession.Timeout, "heartbeats from the failing node");
    }

    [Fact]
    public async Task Stop_waits_for_the_seconds_the_drain_script_asks_for()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-0", 1);
        var drained = session.Marker("drained");
        await session.DeployAsync(new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600"), ("drain", $"date +%s%N >> {drained}\necho 1")), instance);
        var pid = (await session.WaitRunningAsync("db-0"))["db"];

        var clock = Stopwatch.StartNew();
        var stop = await session.SendAsync(CommandKind.Stop, instance);

        Assert.True(stop.Ok, stop.Error);
        Assert.Null(stop.Error);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"stopped after {clock.Elapsed}");
        Assert.Single(File.ReadAllLines(drained));
        Assert.Equal(InstancePhase.Stopped, stop.State!.Phase);
        Assert.Null(ProcessGroup.StartTime(pid));
    }

    [Fact]
    public async Task A_negative_drain_answer_asks_again_after_that_many_seconds()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-0", 1);
        var calls = session.Marker("drain-calls");
        var drain = $"date +%s%N >> {calls}\nif [ $(wc -l < {calls}) -lt 2 ]; then echo -1; else echo 0; fi";
        await session.DeployAsync(new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600"), ("drain", drain)), instance);
        await session.WaitRunningAsync("db-0");

        var stop = await session.SendAsync(CommandKind.Stop, instance);

        Assert.True(stop.Ok, stop.Error);
        var times = File.ReadAllLines(calls).Select(line => long.Parse(line, CultureInfo.InvariantCulture) / 1e6).ToList();
        Assert.Equal(2, times.Count);
        Assert.True(times[1] - times[0] >= 1000, $"asked again after {times[1] - times[0]} ms");
    }

    [Fact]
    public async Task A_drain_that_never_finishes_is_bounded_by_the_commands_timeout()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-0", 1);
        await session.DeployAsync(new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600"), ("drain", "echo -1")), instance);
        var pid = (await session.WaitRunningAsync("db-0"))["db"];

        var clock = Stopwatch.StartNew();
        var stop = await session.SendAsync(CommandKind.Stop, instance, timeoutMs: 1500);

        Assert.True(stop.Ok);
        Assert.Contains("out of time", stop.Error, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.4, 10);
        Assert.Null(ProcessGroup.StartTime(pid));
    }

    [Fact]
    public async Task An_errand_returns_its_exit_code_and_output()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("migrate-0", 1);
        var builder = new ArchiveBuilder(instance, Lifecycle.Errand).Job("migrate", ("run", "echo migrating \"$UBD_INSTANCE_ID\"\necho oops >&2\nexit 7"));
        var sha = session.Director.AddBlob(builder.Build());
        Assert.True((await session.SendAsync(CommandKind.Prepare, instance, sha)).Ok);
        Assert.True((await session.SendAsync(CommandKind.Apply, instance)).Ok);

        var result = await session.SendAsync(CommandKind.RunErrand, instance);

        Assert.Equal(7, result.ExitCode);
        Assert.False(result.Ok);
        Assert.Equal("migrating migrate-0\noops\n", result.Output);
        Assert.Equal(InstancePhase.Finished, result.State!.Phase);
        Assert.Equal("failed", (await session.SendAsync(CommandKind.Start, instance)).Refusal);
    }

    [Fact]
    public async Task An_errands_output_keeps_its_tail_within_the_limit()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("noisy-0", 1);
        var builder = new ArchiveBuilder(instance, Lifecycle.Errand).Job("noisy", ("run", "i=0; while [ $i -lt 40000 ]; do echo \"line $i of output\"; i=$((i+1)); done"));
        var sha = session.Director.AddBlob(builder.Build());
        Assert.True((await session.SendAsync(CommandKind.Prepare, instance, sha)).Ok);
        Assert.True((await session.SendAsync(CommandKind.Apply, instance)).Ok);

        var result = await session.SendAsync(CommandKind.RunErrand, instance);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(AgentProtocol.MaxOutputBytes, result.Output!.Length);
        Assert.EndsWith("line 39999 of output\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_logs_returns_the_tail_of_each_jobs_log()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("web-0", 1);
        await session.DeployAsync(
            new ArchiveBuilder(instance)
                .Job("server", ("run", "echo serving on 8080\necho warning >&2\nexec sleep 600"))
                .Job("sidecar", ("run", "echo sidecar up\nexec sleep 600")),
            instance);
        await session.WaitRunningAsync("web-0");
        var log = Path.Combine(session.Data, "logs", "web-0", "sidecar.log");
        await Eventually.TrueAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("sidecar up", StringComparison.Ordinal), AgentSession.Timeout, "the sidecar's log");

        var result = await session.SendAsync(CommandKind.FetchLogs, instance);

        Assert.True(result.Ok);
        Assert.Contains("==> server.log <==\nserving on 8080\nwarning\n", result.Output, StringComparison.Ordinal);
        Assert.Contains("==> sidecar.log <==\nsidecar up\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_script_sets_healthy()
    {
        await using var session = await AgentSession.StartAsync(extra: ["--health-interval-ms", "200"]);
        var instance = AgentSession.Ref("web-0", 1);
        var sick = session.Marker("sick");
        await session.DeployAsync(new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600"), ("health", $"[ ! -e {sick} ]")), instance);

        await session.WaitStateAsync("web-0", s => s.Jobs.Count == 1 && s.Jobs[0].Healthy == true, "healthy");
        File.WriteAllText(sick, "");
        await session.WaitStateAsync("web-0", s => s.Jobs.Count == 1 && s.Jobs[0].Healthy == false, "unhealthy");
    }
}
