using static ImageTree.Metadata.RocksDb.RocksDbNative;

namespace ImageTree.Metadata.RocksDb;

/// <summary>
/// <see cref="IKeyValueStore"/> on RocksDB. Batches are written with sync on, so a returned
/// <see cref="Write"/> is durable; RocksDB's write-ahead log makes each batch atomic across crashes.
/// </summary>
public sealed unsafe class RocksDbStore : IKeyValueStore
{
    // RocksDB is safe for concurrent use; this only keeps close from pulling the handle out from under a
    // call. Readers and writers share it, so a get or scan never waits for another caller's synced write.
    private readonly ReaderWriterLockSlim _handle = new();
    private nint _db;
    private readonly nint _options;
    private readonly nint _writeOptions;
    private readonly nint _lazyWriteOptions;
    private readonly nint _readOptions;

    public RocksDbStore(string directory)
    {
        Directory.CreateDirectory(directory);
        _options = rocksdb_options_create();
        rocksdb_options_set_create_if_missing(_options, 1);
        _writeOptions = rocksdb_writeoptions_create();
        rocksdb_writeoptions_set_sync(_writeOptions, 1);
        _lazyWriteOptions = rocksdb_writeoptions_create();
        _readOptions = rocksdb_readoptions_create();
        _db = rocksdb_open(_options, directory, out nint error);
        if (error != 0)
        {
            DestroyOptions();
            RocksDbException.ThrowIfError(error);
        }
    }

    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        _handle.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_db == 0, this);
            fixed (byte* k = key)
            {
                nint value = rocksdb_get(_db, _readOptions, k, (nuint)key.Length, out nuint length, out nint error);
                RocksDbException.ThrowIfError(error);
                if (value == 0)
                {
                    return null;
                }
                byte[] copy = new ReadOnlySpan<byte>((void*)value, (int)length).ToArray();
                rocksdb_free(value);
                return copy;
            }
        }
        finally
        {
            _handle.ExitReadLock();
        }
    }

    public void Write(KeyValueBatch batch)
    {
        nint native = rocksdb_writebatch_create();
        try
        {
            foreach ((byte[] key, byte[]? value) in batch.Operations)
            {
                fixed (byte* k = key)
                {
                    if (value is null)
                    {
                        rocksdb_writebatch_delete(native, k, (nuint)key.Length);
                        continue;
                    }
                    fixed (byte* v = value)
                    {
                        rocksdb_writebatch_put(native, k, (nuint)key.Length, v, (nuint)value.Length);
                    }
                }
            }
            _handle.EnterReadLock();
            try
            {
                ObjectDisposedException.ThrowIf(_db == 0, this);
                rocksdb_write(_db, batch.Durable ? _writeOptions : _lazyWriteOptions, native, out nint error);
                RocksDbException.ThrowIfError(error);
            }
            finally
            {
                _handle.ExitReadLock();
            }
        }
        finally
        {
            rocksdb_writebatch_destroy(native);
        }
    }

    public IReadOnlyList<KeyValuePair<byte[], byte[]>> Scan(ReadOnlySpan<byte> prefix)
    {
        var entries = new List<KeyValuePair<byte[], byte[]>>();
        _handle.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_db == 0, this);
            nint iterator = rocksdb_create_iterator(_db, _readOptions);
            try
            {
                fixed (byte* p = prefix)
                {
                    rocksdb_iter_seek(iterator, p, (nuint)prefix.Length);
                }
                while (rocksdb_iter_valid(iterator) != 0)
                {
                    var key = new ReadOnlySpan<byte>(rocksdb_iter_key(iterator, out nuint keyLength), (int)keyLength);
                    if (!key.StartsWith(prefix))
                    {
                        break;
                    }
                    var value = new ReadOnlySpan<byte>(rocksdb_iter_value(iterator, out nuint valueLength), (int)valueLength);
                    entries.Add(KeyValuePair.Create(key.ToArray(), value.ToArray()));
                    rocksdb_iter_next(iterator);
                }
                rocksdb_iter_get_error(iterator, out nint error);
                RocksDbException.ThrowIfError(error);
            }
            finally
            {
                rocksdb_iter_destroy(iterator);
            }
        }
        finally
        {
            _handle.ExitReadLock();
        }
        return entries;
    }

    public void Dispose()
    {
        _handle.EnterWriteLock();
        try
        {
            if (_db == 0)
            {
                return;
            }
            rocksdb_close(_db);
            _db = 0;
            DestroyOptions();
        }
        finally
        {
            _handle.ExitWriteLock();
        }
    }

    private void DestroyOptions()
    {
        rocksdb_readoptions_destroy(_readOptions);
        rocksdb_writeoptions_destroy(_writeOptions);
        rocksdb_writeoptions_destroy(_lazyWriteOptions);
        rocksdb_options_destroy(_options);
    }
}
