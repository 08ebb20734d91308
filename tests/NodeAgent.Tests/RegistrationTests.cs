using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests;

/// <summary>The real agent against the fake director: what it says when it registers, how it heartbeats, and 409.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task Registration_carries_the_nodes_facts_and_marks_the_console()
    {
        await using var session = await AgentSession.StartAsync();
        var registration = session.Director.Registrations[0];

        Assert.Equal(AgentProcess.Mac, registration.Mac);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(), registration.BootId);
        Assert.Equal("1", registration.AgentVersion);
        Assert.True(System.Net.IPAddress.TryParse(registration.Address, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork, registration.Address);
        Assert.Equal(Environment.ProcessorCount, registration.Cores);
        Assert.True(registration.MemoryBytes > 64L << 20, $"memory {registration.MemoryBytes}");
        Assert.Empty(registration.Instances);
        Assert.Equal(0, session.Director.Unauthorized);
        await Eventually.TrueAsync(
            () => File.Exists(session.Console) && File.ReadAllText(session.Console).Contains($"UNIONBLOCK: agent registered node={AgentProcess.Mac}", StringComparison.Ordinal),
            AgentSession.Timeout,
            "the console marker");
    }

    [Fact]
    public async Task Heartbeats_come_at_the_acked_interval_with_growing_sequence_and_load()
    {
        await using var session = await AgentSession.StartAsync();
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count >= 8, AgentSession.Timeout, "eight heartbeats");

        var beats = session.Director.Heartbeats.Take(8).ToList();
        var gaps = beats.Zip(beats.Skip(1), (a, b) => (b.At - a.At).TotalMilliseconds).Order().ToList();
        var median = gaps[gaps.Count / 2];
        Assert.InRange(median, 150, 400);
        Assert.All(beats.Zip(beats.Skip(1)), pair => Assert.Equal(pair.First.Heartbeat.Sequence + 1, pair.Second.Heartbeat.Sequence));
        Assert.All(beats, beat => Assert.Equal(session.Director.Registrations[0].BootId, beat.Heartbeat.BootId));
        var load = beats[^1].Heartbeat.Load;
        Assert.Equal(Environment.ProcessorCount, load.Cores);
        Assert.True(load.MemoryTotalBytes > 0 && load.MemoryUsedBytes > 0 && load.MemoryUsedBytes <= load.MemoryTotalBytes);
        Assert.True(load.CpuLoad >= 0);
        Assert.Null(load.JobLoad);
    }

    [Fact]
    public async Task A_409_makes_the_agent_register_again()
    {
        await using var session = await AgentSession.StartAsync();
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count >= 2, AgentSession.Timeout, "two heartbeats");

        session.Director.ConflictOnce = true;

        await session.WaitRegisteredAsync(2);
        var before = session.Director.Heartbeats.Count;
        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count > before + 2, AgentSession.Timeout, "heartbeats after registering again");
        await Eventually.TrueAsync(
            () => File.ReadAllText(session.Console).Split('\n').Count(line => line.StartsWith("UNIONBLOCK: agent registered", StringComparison.Ordinal)) == 2,
            AgentSession.Timeout,
            "one console marker per registration");
    }

    [Fact]
    public async Task The_agent_keeps_trying_while_the_director_is_unreachable()
    {
        await using var session = await AgentSession.StartAsync();
        session.Director.Unresponsive = true;
        session.Director.ConflictOnce = false;
        var before = session.Director.Heartbeats.Count;
        await Eventually.TrueAsync(() => session.Agent.Output.Contains("heartbeat failed", StringComparison.Ordinal), AgentSession.Timeout, "a failed heartbeat");
        Assert.False(session.Agent.HasExited, session.Agent.Output);

        session.Director.Unresponsive = false;

        await Eventually.TrueAsync(() => session.Director.Heartbeats.Count > before + 2, AgentSession.Timeout, "heartbeats after the director came back");
        Assert.False(session.Agent.HasExited);
    }
}
