using DeployDirector.Contracts;
using NodeAgent.Supervision;
using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests;

/// <summary>The lease (no heartbeat for LeaseMs stops every job) and agent restarts that leave running jobs alone.</summary>
public sealed class LeaseAndRestartTests
{
    [Fact]
    public async Task Jobs_stop_when_the_lease_runs_out_and_the_director_decides_what_starts_again()
    {
        await using var session = await AgentSession.StartAsync(leaseMs: 1000);
        var instance = AgentSession.Ref("web-0", 1);
        await session.DeployAsync(new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600")), instance);
        var pid = (await session.WaitRunningAsync("web-0"))["server"];

        session.Director.Unresponsive = true;

        await Eventually.TrueAsync(() => ProcessGroup.StartTime(pid) is null, AgentSession.Timeout, $"the job to stop on lease expiry; agent said:\n{session.Agent.Output}");
        Assert.Contains("lease", session.Agent.Output, StringComparison.Ordinal);
        session.Director.Unresponsive = false;
        var stopped = await session.WaitStateAsync("web-0", s => s.Phase == InstancePhase.Stopped, "phase stopped after the lease");
        Assert.All(stopped.Jobs, job => Assert.Null(job.Pid));

        var restarted = await session.SendAsync(CommandKind.Start, instance);

        Assert.True(restarted.Ok, restarted.Error);
        var pids = await session.WaitRunningAsync("web-0");
        Assert.NotEqual(pid, pids["server"]);
    }

    [Fact]
    public async Task A_job_started_while_the_lease_is_lapsed_is_stopped_as_well()
    {
        await using var session = await AgentSession.StartAsync(leaseMs: 1000);
        var instance = AgentSession.Ref("web-0", 1);
        var sha = session.Director.AddBlob(new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600")).Build());
        foreach (var kind in new[] { CommandKind.Prepare, CommandKind.Apply })
        {
            var result = await session.SendAsync(kind, instance, sha);
            Assert.True(result.Ok, $"{kind}: {result.Error}");
        }

        session.Director.HeartbeatsFail = true;
        await Task.Delay(2000); // the lease lapses with nothing running
        var started = await session.SendAsync(CommandKind.Start, instance, sha);
        Assert.True(started.Ok, started.Error);

        await Eventually.TrueAsync(() => session.Agent.Output.Contains("stopping the jobs started since", StringComparison.Ordinal), AgentSession.Timeout,
            $"the job started without a lease to be stopped; agent said:\n{session.Agent.Output}");
    }

    [Fact]
    public async Task A_log_that_cannot_be_written_stops_neither_registration_nor_heartbeats_nor_jobs()
    {
        // As on a node whose root disk (where its log lives) stalls while the NBD link is re-made.
        using var log = await StalledLog.CreateAsync();
        await using var session = await AgentSession.StartAsync(leaseMs: 3000, heartbeatIntervalMs: 200, logTo: log.Path, extra: []);
        var instance = AgentSession.Ref("web-0", 1);
        await session.DeployAsync(new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600")), instance);
        var pid = (await session.WaitRunningAsync("web-0"))["server"];

        // A failed heartbeat is logged; the next ones must not wait for that line to be written (a lease of
        // 3 s leaves room for a slow retry, and heartbeats come long after an agent blocked on its log would have lost it).
        var failFrom = session.Director.Elapsed;
        session.Director.HeartbeatsFail = true;
        await Task.Delay(400);
        session.Director.HeartbeatsFail = false;
        var failTo = session.Director.Elapsed;
        var beats = session.Director.Heartbeats.Count;
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count > beats + 10, AgentSession.Timeout, $"heartbeats while the log is stalled: {session.Director.HeartbeatSummary()}");

        var alive = ProcessGroup.StartTime(pid) is not null;
        log.Release();
        await Eventually.TrueAsync(() => log.Text.Contains("heartbeat failed", StringComparison.Ordinal), AgentSession.Timeout, $"the queued lines once the log takes writes; it has:\n{log.Text}");
        Assert.True(alive, $"the job stopped while the log was stalled; heartbeats failed from {failFrom.TotalMilliseconds:0} to {failTo.TotalMilliseconds:0} ms, succeeded at {string.Join(", ", session.Director.Heartbeats.Select(h => h.At.TotalMilliseconds.ToString("0")))}; the log:\n{log.Text}");
        Assert.Contains("ubd-agent 1: node", log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("expired", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restarted_agent_re_reports_its_running_instance_without_restarting_it()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("web-0", 3);
        var starts = session.Marker("starts");
        await session.DeployAsync(new ArchiveBuilder(instance).Job("server", ("run", $"echo start >> {starts}\nexec sleep 600")), instance);
        var pid = (await session.WaitRunningAsync("web-0"))["server"];

        session.RestartAgent();

        await session.WaitRegisteredAsync(2);
        var reported = session.Director.Registrations[1].Instances.Single();
        Assert.Equal(instance, reported.Instance);
        Assert.Equal(InstancePhase.Running, reported.Phase);
        Assert.Equal(pid, reported.Jobs.Single().Pid);
        var beats = session.Director.Heartbeats.Count;
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count > beats + 3, AgentSession.Timeout, "heartbeats of the new agent");
        Assert.Equal(pid, session.Director.LatestState("web-0")!.Jobs.Single().Pid);
        Assert.Single(File.ReadAllLines(starts));
        Assert.NotNull(ProcessGroup.StartTime(pid));

        // The adopted job is still under supervision: a stop ends it.
        var stop = await session.SendAsync(CommandKind.Stop, instance);
        Assert.True(stop.Ok, stop.Error);
        Assert.Null(ProcessGroup.StartTime(pid));
    }

    [Fact]
    public async Task After_a_reboot_the_agent_starts_nothing_until_the_director_says_so()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("web-0", 3);
        var starts = session.Marker("starts");
        await session.DeployAsync(new ArchiveBuilder(instance).Job("server", ("run", $"echo start >> {starts}\nexec sleep 600")), instance);
        var pid = (await session.WaitRunningAsync("web-0"))["server"];

        // A reboot: every process is gone and the kernel has a new boot id (here: the one the agent
        // wrote at its start no longer matches).
        ProcessGroup.Signal(pid, ProcessGroup.SigKill);
        await Eventually.TrueAsync(() => ProcessGroup.StartTime(pid) is null, AgentSession.Timeout, "the job to die");
        File.WriteAllText(Path.Combine(session.Data, "boot_id"), "a-previous-boot");
        session.RestartAgent();

        await session.WaitRegisteredAsync(2);
        var reported = session.Director.Registrations[1].Instances.Single();
        Assert.Equal(InstancePhase.Stopped, reported.Phase);
        await Task.Delay(1000);
        Assert.Single(File.ReadAllLines(starts));
        Assert.Contains("not started after a reboot", session.Agent.Output, StringComparison.Ordinal);

        // The director restarts it (under a newer epoch, as its supervisor does).
        var start = await session.SendAsync(CommandKind.Start, instance with { Epoch = 4 });
        Assert.True(start.Ok, start.Error);
        await session.WaitRunningAsync("web-0");
        Assert.Equal(2, File.ReadAllLines(starts).Length);
    }

    [Fact]
    public async Task Reboot_stops_every_job_then_runs_the_reboot_command()
    {
        var rebooted = Path.Combine(Path.GetTempPath(), $"ubd-rebooted-{Guid.NewGuid():n}");
        await using var session = await AgentSession.StartAsync(extra: ["--reboot-command", $"touch {rebooted}"]);
        var instance = AgentSession.Ref("web-0", 1);
        await session.DeployAsync(new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600")), instance);
        var pid = (await session.WaitRunningAsync("web-0"))["server"];

        var result = await session.SendAsync(CommandKind.Reboot, null);

        Assert.True(result.Ok, result.Error);
        Assert.Null(ProcessGroup.StartTime(pid));
        await Eventually.TrueAsync(() => File.Exists(rebooted), AgentSession.Timeout, "the reboot command to run");
        File.Delete(rebooted);
    }
}
