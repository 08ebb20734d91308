using FsCheck;
using FsCheck.Fluent;
using NodeAgent.Supervision;

namespace NodeAgent.Tests.Units;

public sealed class TailBufferTests
{
    [Fact]
    public void Keeps_the_last_bytes_of_everything_written() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 40)), ArbMap.Default.ArbFor<byte[][]>(), (capacity, chunks) =>
        {
            var tail = new TailBuffer(capacity);
            var all = new List<byte>();
            foreach (var chunk in chunks.Where(chunk => chunk is not null))
            {
                tail.Write(chunk);
                all.AddRange(chunk);
            }

            Assert.Equal(all.Skip(Math.Max(0, all.Count - capacity)).ToArray(), tail.ToArray());
            Assert.Equal(all.Count, tail.Written);
        }).QuickCheckThrowOnFailure();
}
