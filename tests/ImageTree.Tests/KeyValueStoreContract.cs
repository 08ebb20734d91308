using System.Text;
using ImageTree.Metadata;
using ImageTree.Metadata.RocksDb;

namespace ImageTree.Tests;

/// <summary>What the tree's metadata store must do, for RocksDB and its in-memory twin alike.</summary>
public abstract class KeyValueStoreContract : IDisposable
{
    protected abstract IKeyValueStore Store { get; }

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Put_get_delete()
    {
        Assert.Null(Store.Get(B("a")));
        Store.Write(new KeyValueBatch().Put(B("a"), B("1")));
        Assert.Equal(B("1"), Store.Get(B("a")));
        Store.Write(new KeyValueBatch().Delete(B("a")));
        Assert.Null(Store.Get(B("a")));
    }

    [Fact]
    public void A_batch_applies_in_order_and_the_last_operation_on_a_key_wins()
    {
        Store.Write(new KeyValueBatch().Put(B("k"), B("1")).Put(B("k"), B("2")).Put(B("gone"), B("x")).Delete(B("gone")));
        Assert.Equal(B("2"), Store.Get(B("k")));
        Assert.Null(Store.Get(B("gone")));
    }

    [Fact]
    public void Scan_returns_the_prefix_in_bytewise_key_order()
    {
        var batch = new KeyValueBatch();
        foreach (string key in new[] { "layer/b", "layer/a", "leaf/x", "layer/c", "layers", "lay" })
        {
            batch.Put(B(key), B(key.ToUpperInvariant()));
        }
        Store.Write(batch);
        Assert.Equal(["layer/a", "layer/b", "layer/c"], Store.Scan(B("layer/")).Select(e => Encoding.UTF8.GetString(e.Key)));
        Assert.Equal(B("LAYER/B"), Store.Scan(B("layer/"))[1].Value);
        Assert.Empty(Store.Scan(B("zzz")));
    }

    [Fact]
    public void Binary_keys_and_empty_values_are_kept_exactly()
    {
        byte[] key = [0, 255, 1, 0];
        Store.Write(new KeyValueBatch().Put(key, []));
        Assert.Equal(Array.Empty<byte>(), Store.Get(key));
        Assert.Single(Store.Scan([0, 255]));
    }

    public virtual void Dispose() => Store.Dispose();
}

public sealed class InMemoryKeyValueStoreContract : KeyValueStoreContract
{
    protected override IKeyValueStore Store { get; } = new InMemoryKeyValueStore();
}

public sealed class RocksDbStoreContract : KeyValueStoreContract
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ubrocks-" + Guid.NewGuid().ToString("N")[..10]);
    private RocksDbStore? _store;

    protected override IKeyValueStore Store => _store ??= new RocksDbStore(_directory);

    [Fact]
    public void Batches_survive_closing_and_reopening()
    {
        Store.Write(new KeyValueBatch().Put("x"u8.ToArray(), "1"u8.ToArray()).Put("y"u8.ToArray(), "2"u8.ToArray()));
        _store!.Dispose();
        _store = new RocksDbStore(_directory);
        Assert.Equal("2"u8.ToArray(), Store.Get("y"u8));
        Assert.Equal(2, Store.Scan([]).Count);
    }

    [Fact]
    public void A_second_open_of_the_same_directory_is_a_clear_error()
    {
        _ = Store;
        var error = Assert.Throws<RocksDbException>(() => new RocksDbStore(_directory));
        Assert.Contains("lock", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    public override void Dispose()
    {
        base.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
