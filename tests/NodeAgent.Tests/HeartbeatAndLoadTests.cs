using System.Globalization;
using DeployDirector.Contracts;
using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests;

/// <summary>The real agent: the heartbeat interval a heartbeat answer names, and load figures from a fake proc root and from jobs.</summary>
public sealed class HeartbeatAndLoadTests
{
    [Fact]
    public async Task A_heartbeat_answer_that_names_an_interval_speeds_the_heartbeats_up()
    {
        await using var session = await AgentSession.StartAsync(heartbeatIntervalMs: 2000);
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count >= 1, AgentSession.Timeout, "a first heartbeat");

        session.Director.AckHeartbeatIntervalMs = 150;

        var from = session.Director.Heartbeats.Count;
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count >= from + 10, AgentSession.Timeout, "ten faster heartbeats");
        Assert.InRange(MedianGapMs(session.Director.Heartbeats.Skip(from + 1).Take(9)), 120, 500);
        Assert.Contains("heartbeat interval now 150 ms", session.Agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interval_below_the_bound_is_held_to_100_ms()
    {
        await using var session = await AgentSession.StartAsync(heartbeatIntervalMs: 2000);
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count >= 1, AgentSession.Timeout, "a first heartbeat");

        session.Director.AckHeartbeatIntervalMs = 1;

        var from = session.Director.Heartbeats.Count;
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count >= from + 12, AgentSession.Timeout, "heartbeats at the bound");
        Assert.InRange(MedianGapMs(session.Director.Heartbeats.Skip(from + 1).Take(11)), 90, 400);
    }

    [Fact]
    public async Task An_interval_longer_than_the_lease_cannot_make_the_lease_lapse()
    {
        // A 3 s lease: the beats come every 1.5 s, so a test host busy for a second cannot lapse it (with
        // 1 s, beats 0.5 s apart, one run in twenty on 2 busy cores lost the job).
        await using var session = await AgentSession.StartAsync(leaseMs: 3000);
        var instance = AgentSession.Ref("web-0", 1);
        await session.DeployAsync(new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600")), instance);
        var pid = (await session.WaitRunningAsync("web-0"))["server"];

        session.Director.AckHeartbeatIntervalMs = 5000;

        var from = session.Director.Heartbeats.Count;
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count >= from + 6, AgentSession.Timeout, "heartbeats within the lease");
        Assert.InRange(MedianGapMs(session.Director.Heartbeats.Skip(from + 1).Take(5)), 1200, 2100);
        Assert.NotNull(NodeAgent.Supervision.ProcessGroup.StartTime(pid));
        Assert.DoesNotContain("expired without a heartbeat", session.Agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cpu_and_memory_come_from_the_proc_root_and_cpu_is_a_share_of_the_last_interval()
    {
        var proc = Directory.CreateTempSubdirectory("ubd-fake-proc-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(proc, "meminfo"), "MemTotal:       4000 kB\nMemFree:         100 kB\nMemAvailable:   1000 kB\n");
            WriteStat(proc, busy: 900, idle: 100);
            await using var session = await AgentSession.StartAsync(extra: ["--proc-root", proc]);

            Assert.Equal(4000L * 1024, session.Director.Registrations[0].MemoryBytes);
            var first = await Eventually.ValueAsync(() => session.Director.Heartbeats.Count > 0 ? session.Director.Heartbeats[0].Heartbeat.Load : null, AgentSession.Timeout, "a heartbeat");
            Assert.Equal(0.9, first.CpuLoad, 9);
            Assert.Equal(4000L * 1024, first.MemoryTotalBytes);
            Assert.Equal(3000L * 1024, first.MemoryUsedBytes);

            // 30 busy jiffies of 100 since the last sample: 0.3, though 930 of 1100 since boot.
            WriteStat(proc, busy: 930, idle: 170);
            await Eventually.TrueAsync(() => Math.Abs(session.Director.Heartbeats[^1].Heartbeat.Load.CpuLoad - 0.3) < 1e-9, AgentSession.Timeout, "a share of the last interval");

            // No time passed between the next samples: the last share holds.
            var beats = session.Director.Heartbeats.Count;
            await Eventually.TrueAsync(() => session.Director.Heartbeats.Count > beats + 2, AgentSession.Timeout, "more heartbeats");
            Assert.Equal(0.3, session.Director.Heartbeats[^1].Heartbeat.Load.CpuLoad, 9);
        }
        finally
        {
            Directory.Delete(proc, recursive: true);
        }
    }

    [Fact]
    public async Task Job_load_is_the_highest_figure_of_running_jobs_and_ignores_garbage()
    {
        await using var session = await AgentSession.StartAsync();
        var web = AgentSession.Ref("web-0", 1);
        var other = AgentSession.Ref("web-1", 1);
        await session.DeployAsync(
            new ArchiveBuilder(web)
                .Job("server", ("run", "echo 0.4 > \"$UBD_JOB_DIR/load\"\nexec sleep 600"))
                .Job("sidecar", ("run", "echo lots > \"$UBD_JOB_DIR/load\"\nexec sleep 600")),
            web);
        await session.DeployAsync(new ArchiveBuilder(other).Job("server", ("run", "echo 3.5 > \"$UBD_JOB_DIR/load\"\nexec sleep 600")), other);
        await session.WaitRunningAsync("web-1");

        await Eventually.TrueAsync(() => session.Director.Heartbeats[^1].Heartbeat.Load.JobLoad == 0.4, AgentSession.Timeout, "the highest well-formed job load");
        var stop = await session.SendAsync(CommandKind.Stop, web);
        Assert.True(stop.Ok, stop.Error);

        // The stopped jobs' files are still there, but a stopped job carries no load.
        Assert.True(File.Exists(Path.Combine(session.Data, "instances", "web-0", "current", "jobs", "server", "load")));
        await Eventually.TrueAsync(() => session.Director.Heartbeats[^1].Heartbeat.Load.JobLoad is null, AgentSession.Timeout, "no job load once stopped");
    }

    private static double MedianGapMs(IEnumerable<(TimeSpan At, AgentHeartbeat Heartbeat)> beats)
    {
        var list = beats.ToList();
        var gaps = list.Zip(list.Skip(1), (a, b) => (b.At - a.At).TotalMilliseconds).Order().ToList();
        return gaps[gaps.Count / 2];
    }

    private static void WriteStat(string proc, long busy, long idle)
    {
        var path = Path.Combine(proc, "stat");
        File.WriteAllText(path + ".tmp", string.Create(CultureInfo.InvariantCulture, $"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 {busy} 0 0 {idle} 0 0 0 0 0 0\n"));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
