using System.Collections.Immutable;

namespace DeployDirector.State;

/// <summary>
/// Decoded records of one key prefix, in key order, as an immutable snapshot: readers scan a
/// snapshot without locks while the store's commit (under its lock, after the batch is on disk)
/// swaps in the next. Records are immutable, so sharing them is safe.
/// </summary>
internal sealed class RecordCache(IEnumerable<KeyValuePair<string, object>> loaded)
{
    private ImmutableSortedDictionary<string, object> _records = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, loaded);

    /// <summary>Puts (a record) or removes (null) one key; the caller serializes commits.</summary>
    public void Set(string key, object? record) =>
        Volatile.Write(ref _records, record is null ? _records.Remove(key) : _records.SetItem(key, record));

    public T? Get<T>(string key) where T : class => Volatile.Read(ref _records).GetValueOrDefault(key) as T;

    /// <summary>Records whose keys start with <paramref name="keyPrefix"/>, in key order.</summary>
    public List<T> Scan<T>(string keyPrefix) =>
        [.. Volatile.Read(ref _records).Where(e => e.Key.StartsWith(keyPrefix, StringComparison.Ordinal)).Select(e => (T)e.Value)];
}
