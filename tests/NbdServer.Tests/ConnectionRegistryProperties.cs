using FsCheck;
using FsCheck.Fluent;
using NbdServer.Connection;

namespace NbdServer.Tests;

/// <summary>The registry against a model: per export, the set of live entries. A close calls each
/// live entry of that export exactly once and no other; a disposed entry is never closed.</summary>
public sealed class ConnectionRegistryProperties
{
    private static readonly string[] Exports = ["a", "b", "c"];

    public sealed record Op(int Kind, int Export, int Pick)
    {
        public override string ToString() => $"{(Kind switch { 0 => "Enter", 1 => "Leave", _ => "Close" })}({Exports[Export]},{Pick})";
    }

    private sealed record Live(int Id, string Export, IDisposable Handle);

    private static Gen<Op> OpGen() =>
        Gen.Frequency((5, Gen.Constant(0)), (3, Gen.Constant(1)), (2, Gen.Constant(2)))
            .SelectMany(_ => Gen.Choose(0, Exports.Length - 1), (kind, export) => (kind, export))
            .SelectMany(_ => Gen.Choose(0, 100), (t, pick) => new Op(t.kind, t.export, pick));

    [Fact]
    public void Close_reaches_exactly_the_live_connections_of_its_export()
    {
        Prop.ForAll(Arb.From(Gen.ListOf(OpGen()).Select(l => l.Take(60).ToArray())), Run).QuickCheckThrowOnFailure();
    }

    private static void Run(Op[] ops)
    {
        var registry = new NbdConnectionRegistry();
        var live = new List<Live>();
        var closed = new List<int>();
        int next = 0;
        foreach (Op op in ops)
        {
            string export = Exports[op.Export];
            switch (op.Kind)
            {
                case 0:
                    int id = next++;
                    live.Add(new Live(id, export, registry.Enter(export, _ => closed.Add(id))));
                    break;
                case 1 when live.Count > 0:
                    Live leaving = live[op.Pick % live.Count];
                    leaving.Handle.Dispose();
                    live.Remove(leaving);
                    break;
                case 2:
                    int[] expected = [.. live.Where(l => l.Export == export).Select(l => l.Id)];
                    closed.Clear();
                    Assert.Equal(expected.Length, registry.Close(export, "test"));
                    Assert.Equal(expected.Order(), closed.Order());
                    live.RemoveAll(l => l.Export == export);
                    break;
            }
            foreach (string name in Exports)
            {
                Assert.Equal(live.Count(l => l.Export == name), registry.Count(name));
            }
        }
        // A closed entry that leaves afterwards (its connection ending) changes nothing.
        foreach (Live l in live)
        {
            l.Handle.Dispose();
        }
        Assert.All(Exports, e => Assert.Equal(0, registry.Count(e)));
    }
}
