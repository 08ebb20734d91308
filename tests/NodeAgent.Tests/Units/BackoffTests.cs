using FsCheck;
using FsCheck.Fluent;
using NodeAgent.Supervision;
using NodeAgent.Transport;

namespace NodeAgent.Tests.Units;

public sealed class BackoffTests
{
    [Fact]
    public void Director_retries_double_from_100_ms_and_stay_within_5_s() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 10_000)), failures =>
        {
            var delay = Backoff.DelayFor(failures);
            var next = Backoff.DelayFor(failures + 1);
            Assert.InRange(delay, Backoff.First, Backoff.Cap);
            Assert.True(next == Backoff.Cap || next == delay * 2, $"{delay} then {next}");
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Backoff_resets()
    {
        var backoff = new Backoff();
        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.Next());
        Assert.Equal(TimeSpan.FromMilliseconds(200), backoff.Next());
        backoff.Reset();
        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.Next());
    }

    [Fact]
    public void Job_restarts_double_from_1_s_to_30_s_and_quick_failures_make_failing()
    {
        var policy = new RestartPolicy(TimeSpan.FromSeconds(1));
        var quick = TimeSpan.FromSeconds(2);
        var delays = Enumerable.Range(0, 7).Select(_ => policy.RecordExit(quick).TotalSeconds).ToList();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays);
        Assert.True(policy.IsFailing);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.RecordExit(TimeSpan.FromSeconds(61)));
        Assert.False(policy.IsFailing);
    }

    [Fact]
    public void Failing_means_five_quick_failures_in_a_row_since_the_last_stable_run() =>
        Prop.ForAll(Arb.From(Gen.ListOf(Gen.Elements(true, false))), stableRuns =>
        {
            var policy = new RestartPolicy(TimeSpan.FromMilliseconds(100));
            var inARow = 0;
            foreach (var stable in stableRuns)
            {
                policy.RecordExit(stable ? RestartPolicy.Stable : TimeSpan.FromSeconds(1));
                inARow = stable ? 1 : inARow + 1;
                Assert.Equal(inARow >= RestartPolicy.FailingAfter, policy.IsFailing);
            }
        }).QuickCheckThrowOnFailure();
}
