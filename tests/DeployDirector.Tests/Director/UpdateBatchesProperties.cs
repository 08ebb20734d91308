using DeployDirector.Manifest;
using DeployDirector.Planning;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Director;

/// <summary>
/// The update block's batching against its rules, for random groups and policies: every change once
/// and in order; canaries first and only they; no batch over its size or over what min_available
/// leaves; and no batch closed earlier than a rule demanded (so the greedy cut is the only one).
/// </summary>
public sealed class UpdateBatchesProperties
{
    private static readonly Config s_runs = Config.QuickThrowOnFailure.WithMaxTest(1000);

    private sealed record Case(bool[] TakesDown, int Instances, int Running, UpdatePolicy Policy);

    private static Gen<Case> Cases =>
        from instances in Gen.Choose(0, 40)
        from changed in Gen.Choose(0, instances)
        from takesDown in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false))), changed)
        from running in Gen.Choose(takesDown.Count(t => t), instances)
        from canaries in Gen.Choose(0, 5)
        from count in Gen.Choose(1, 12)
        from percent in Gen.Choose(1, 100)
        from byPercent in Gen.Elements(true, false)
        from minAvailable in Gen.Frequency((1, Gen.Constant<int?>(null)), (3, Gen.Choose(0, instances).Select(m => (int?)m)))
        select new Case(takesDown, instances, running,
            UpdatePolicy.Default with { Canaries = canaries, MaxInFlight = byPercent ? new MaxInFlight(null, percent) : new MaxInFlight(count, null), MinAvailable = minAvailable });

    [Fact]
    public void Batches_keep_every_rule_of_the_update_block()
    {
        Prop.ForAll(Arb.From(Cases), c =>
        {
            int[] items = [.. Enumerable.Range(0, c.TakesDown.Length)];
            int room = c.Policy.MinAvailable is { } m ? c.Running - m : int.MaxValue;
            if (room < 1 && c.TakesDown.Any(t => t))
            {
                Assert.Throws<DirectorException>(() => UpdateBatches.Plan(items, i => c.TakesDown[i], c.Instances, c.Running, c.Policy, "g"));
                return;
            }
            IReadOnlyList<UpdateBatch<int>> batches = UpdateBatches.Plan(items, i => c.TakesDown[i], c.Instances, c.Running, c.Policy, "g");
            Assert.Equal(items, batches.SelectMany(b => b.Items));
            Assert.All(batches, b => Assert.NotEmpty(b.Items));
            int canaries = Math.Min(c.Policy.Canaries, items.Length);
            Assert.Equal(items.Take(canaries), batches.Where(b => b.Canary).SelectMany(b => b.Items));
            Assert.Equal(batches.OrderByDescending(b => b.Canary).ToList(), batches); // canaries come first
            for (int n = 0; n < batches.Count; n++)
            {
                UpdateBatch<int> batch = batches[n];
                int size = batch.Canary ? canaries : c.Policy.MaxInFlight.For(c.Instances);
                int down = batch.Items.Count(i => c.TakesDown[i]);
                Assert.InRange(batch.Items.Count, 1, size);
                Assert.True(down == 0 || down <= room, $"batch {n} stops {down}, room {room}");
                if (n + 1 < batches.Count && batches[n + 1].Canary == batch.Canary)
                {
                    // It closed for a reason: full, or the next change would stop one instance too many.
                    bool nextStops = c.TakesDown[batches[n + 1].Items[0]];
                    Assert.True(batch.Items.Count == size || (nextStops && down == room), $"batch {n} closed early");
                }
            }
        }).Check(s_runs);
    }

    [Theory]
    [InlineData(null, "2c 5 3")]
    [InlineData(8, "2c 2 2 2 2")]
    [InlineData(9, "1c 1c 1 1 1 1 1 1 1 1")]
    public void Ten_running_instances_with_two_canaries_and_half_in_flight(int? minAvailable, string expected)
    {
        UpdatePolicy policy = UpdatePolicy.Default with { Canaries = 2, MaxInFlight = new MaxInFlight(null, 50), MinAvailable = minAvailable };
        IReadOnlyList<UpdateBatch<int>> batches = UpdateBatches.Plan([.. Enumerable.Range(0, 10)], _ => true, 10, 10, policy, "web");
        Assert.Equal(expected, string.Join(' ', batches.Select(b => $"{b.Items.Count}{(b.Canary ? "c" : "")}")));
    }

    [Fact]
    public void New_instances_take_nothing_down_so_min_available_does_not_hold_them_back()
    {
        UpdatePolicy policy = UpdatePolicy.Default with { Canaries = 0, MaxInFlight = new MaxInFlight(4, null), MinAvailable = 3 };
        IReadOnlyList<UpdateBatch<int>> batches = UpdateBatches.Plan([.. Enumerable.Range(0, 4)], _ => false, 4, 0, policy, "web");
        Assert.Equal([4], batches.Select(b => b.Items.Count));
    }
}
