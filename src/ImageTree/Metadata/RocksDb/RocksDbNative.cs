using System.Runtime.InteropServices;

namespace ImageTree.Metadata.RocksDb;

/// <summary>
/// The part of RocksDB's C API (rocksdb/c.h) the store uses, bound to Debian's librocksdb7.8.
/// Pointers stay inside this folder. Every call that can fail fills <c>errptr</c> with a malloc()ed
/// message, which <see cref="RocksDbException.ThrowIfError"/> turns into an exception and frees.
/// </summary>
internal static unsafe partial class RocksDbNative
{
    private const string Library = "librocksdb.so.7.8";

    [LibraryImport(Library)]
    public static partial nint rocksdb_options_create();

    [LibraryImport(Library)]
    public static partial void rocksdb_options_destroy(nint options);

    [LibraryImport(Library)]
    public static partial void rocksdb_options_set_create_if_missing(nint options, byte value);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint rocksdb_open(nint options, string name, out nint errptr);

    [LibraryImport(Library)]
    public static partial void rocksdb_close(nint db);

    [LibraryImport(Library)]
    public static partial nint rocksdb_writeoptions_create();

    [LibraryImport(Library)]
    public static partial void rocksdb_writeoptions_destroy(nint options);

    [LibraryImport(Library)]
    public static partial void rocksdb_writeoptions_set_sync(nint options, byte value);

    [LibraryImport(Library)]
    public static partial nint rocksdb_readoptions_create();

    [LibraryImport(Library)]
    public static partial void rocksdb_readoptions_destroy(nint options);

    [LibraryImport(Library)]
    public static partial nint rocksdb_get(nint db, nint options, byte* key, nuint keyLength, out nuint valueLength, out nint errptr);

    [LibraryImport(Library)]
    public static partial nint rocksdb_writebatch_create();

    [LibraryImport(Library)]
    public static partial void rocksdb_writebatch_destroy(nint batch);

    [LibraryImport(Library)]
    public static partial void rocksdb_writebatch_put(nint batch, byte* key, nuint keyLength, byte* value, nuint valueLength);

    [LibraryImport(Library)]
    public static partial void rocksdb_writebatch_delete(nint batch, byte* key, nuint keyLength);

    [LibraryImport(Library)]
    public static partial void rocksdb_write(nint db, nint options, nint batch, out nint errptr);

    [LibraryImport(Library)]
    public static partial nint rocksdb_create_iterator(nint db, nint options);

    [LibraryImport(Library)]
    public static partial void rocksdb_iter_destroy(nint iterator);

    [LibraryImport(Library)]
    public static partial void rocksdb_iter_seek(nint iterator, byte* key, nuint keyLength);

    [LibraryImport(Library)]
    public static partial byte rocksdb_iter_valid(nint iterator);

    [LibraryImport(Library)]
    public static partial void rocksdb_iter_next(nint iterator);

    [LibraryImport(Library)]
    public static partial byte* rocksdb_iter_key(nint iterator, out nuint length);

    [LibraryImport(Library)]
    public static partial byte* rocksdb_iter_value(nint iterator, out nuint length);

    [LibraryImport(Library)]
    public static partial void rocksdb_iter_get_error(nint iterator, out nint errptr);

    [LibraryImport(Library)]
    public static partial void rocksdb_free(nint pointer);
}

/// <summary>RocksDB reported an error; the message is RocksDB's own.</summary>
public sealed class RocksDbException(string message) : IOException(message)
{
    internal static void ThrowIfError(nint errptr)
    {
        if (errptr == 0)
        {
            return;
        }
        string message = Marshal.PtrToStringUTF8(errptr) ?? "unknown RocksDB error";
        RocksDbNative.rocksdb_free(errptr);
        throw new RocksDbException(message);
    }
}
