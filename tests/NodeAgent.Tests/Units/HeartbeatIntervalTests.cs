using DeployDirector.Contracts;
using FsCheck;
using FsCheck.Fluent;
using NodeAgent.Host;

namespace NodeAgent.Tests.Units;

/// <summary>The director-named heartbeat interval: used as asked within 100..60000 ms, held to those bounds outside.</summary>
public sealed class HeartbeatIntervalTests
{
    [Fact]
    public void An_acked_interval_is_kept_within_the_bounds_and_taken_as_is_inside_them() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 200_000)), ms =>
        {
            var interval = HeartbeatInterval.FromAck(ms)!.Value.TotalMilliseconds;
            Assert.InRange(interval, AgentProtocol.MinHeartbeatIntervalMs, AgentProtocol.MaxHeartbeatIntervalMs);
            if (ms is >= AgentProtocol.MinHeartbeatIntervalMs and <= AgentProtocol.MaxHeartbeatIntervalMs)
            {
                Assert.Equal(ms, interval);
            }
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void The_wait_is_the_named_interval_but_at_most_half_the_lease() =>
        Prop.ForAll(Arb.From(Gen.Choose(100, 60_000).Two()), sample =>
        {
            var (intervalMs, leaseMs) = sample;
            var wait = HeartbeatInterval.Within(TimeSpan.FromMilliseconds(intervalMs), TimeSpan.FromMilliseconds(leaseMs)).TotalMilliseconds;

            Assert.Equal(Math.Min(intervalMs, Math.Max(leaseMs / 2.0, AgentProtocol.MinHeartbeatIntervalMs)), wait);
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(-5)]
    public void An_ack_that_names_no_interval_keeps_the_current_one(int? ms)
    {
        Assert.Null(HeartbeatInterval.FromAck(ms));
        Assert.Equal(HeartbeatInterval.Default, HeartbeatInterval.FromRegistration(ms ?? 0));
    }

    [Fact]
    public void A_registration_interval_is_bounded_too()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), HeartbeatInterval.FromRegistration(5));
        Assert.Equal(TimeSpan.FromMilliseconds(250), HeartbeatInterval.FromRegistration(250));
        Assert.Equal(TimeSpan.FromMinutes(1), HeartbeatInterval.FromRegistration(int.MaxValue));
    }
}
