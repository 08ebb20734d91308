using FsCheck;
using FsCheck.Fluent;
using NodeAgent.State;

namespace NodeAgent.Tests.Units;

/// <summary>Fencing against a model: an epoch is accepted iff it is not below the highest accepted so far, and that survives a reopen.</summary>
public sealed class EpochStoreTests
{
    [Fact]
    public void Accepts_exactly_the_epochs_not_below_the_highest_and_remembers_across_reopen() =>
        Prop.ForAll(Arb.From(Gen.ListOf(Gen.Choose(0, 20).Select(e => (long)e))), epochs =>
        {
            var root = Directory.CreateTempSubdirectory("ubd-epochs-").FullName;
            try
            {
                var store = new EpochStore(new AgentPaths(root));
                long? highest = null;
                var step = 0;
                foreach (var epoch in epochs)
                {
                    var expected = highest is null || epoch >= highest;
                    Assert.Equal(expected, store.TryAccept("i", epoch));
                    highest = expected ? Math.Max(highest ?? epoch, epoch) : highest;
                    if (++step % 3 == 0)
                    {
                        store = new EpochStore(new AgentPaths(root));
                    }

                    Assert.Equal(highest, store.Highest("i"));
                }

                Assert.Null(store.Highest("other"));
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("../x")]
    public void Instance_ids_cannot_name_paths_outside(string id)
    {
        var store = new EpochStore(new AgentPaths(Path.GetTempPath()));
        Assert.Throws<ArgumentException>(() => store.TryAccept(id, 1));
    }
}
