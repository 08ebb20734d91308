using UnionBlock.Store;

namespace UnionBlock.Tests.Store;

public sealed class JournaledLayerCatalogTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static LayerRecord Layer(string name, Guid? parent = null) =>
        new(Guid.NewGuid(), name, parent is null ? LayerKind.Root : LayerKind.Leaf, parent, 1 << 20, 1, DateTimeOffset.UtcNow);

    [Fact]
    public void Commits_survive_reopening()
    {
        LayerRecord root = Layer("root");
        LayerRecord leaf = Layer("leaf", root.Id);
        using (var catalog = new JournaledLayerCatalog(_directory.Path))
        {
            catalog.Commit([root], []);
            catalog.Commit([leaf], []);
            catalog.Commit([leaf with { Generation = 2 }], []);
        }
        using var reopened = new JournaledLayerCatalog(_directory.Path);
        Assert.Equal(2, reopened.All.Count);
        Assert.Equal(2, reopened.Find("leaf")!.Generation);
    }

    [Fact]
    public void A_torn_last_journal_record_is_dropped_and_earlier_commits_kept()
    {
        using (var catalog = new JournaledLayerCatalog(_directory.Path))
        {
            catalog.Commit([Layer("a")], []);
            catalog.Commit([Layer("b")], []);
        }
        string journal = _directory.File(JournaledLayerCatalog.JournalFileName);
        byte[] bytes = File.ReadAllBytes(journal);
        File.WriteAllBytes(journal, bytes[..^5]);
        using var reopened = new JournaledLayerCatalog(_directory.Path);
        Assert.NotNull(reopened.Find("a"));
        Assert.Null(reopened.Find("b"));
        reopened.Commit([Layer("c")], []); // and the journal goes on from there
        Assert.NotNull(reopened.Find("c"));
    }

    [Fact]
    public void Snapshots_and_journal_replay_agree_across_many_commits_and_deletes()
    {
        var expected = new Dictionary<string, LayerRecord>();
        using (var catalog = new JournaledLayerCatalog(_directory.Path))
        {
            for (int i = 0; i < 2500; i++)
            {
                LayerRecord layer = Layer($"l{i}");
                catalog.Commit([layer], []);
                expected[layer.Name] = layer;
                if (i % 7 == 0)
                {
                    LayerRecord victim = expected[$"l{i / 2}"];
                    catalog.Commit([], [victim.Id]);
                    expected.Remove(victim.Name);
                }
            }
        }
        using var reopened = new JournaledLayerCatalog(_directory.Path);
        Assert.Equal(expected.Keys.Order(), reopened.All.Select(l => l.Name).Order());
    }

    [Fact]
    public void A_name_cannot_be_taken_twice()
    {
        using var catalog = new JournaledLayerCatalog(_directory.Path);
        catalog.Commit([Layer("same")], []);
        Assert.Throws<InvalidOperationException>(() => catalog.Commit([Layer("same")], []));
    }

    public void Dispose() => _directory.Dispose();
}
