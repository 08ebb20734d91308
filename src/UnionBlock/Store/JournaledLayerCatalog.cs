using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;
using UnionBlock.Checksums;
using UnionBlock.Native;

namespace UnionBlock.Store;

/// <summary>
/// The catalog as a snapshot plus a journal. A commit appends one checksummed record to the journal
/// and syncs it: one small write and one fdatasync, so registering a leaf costs about a millisecond.
/// Every <see cref="SnapshotEvery"/> commits the whole catalog is written as a new snapshot and the
/// journal starts over. Recovery loads the snapshot, then replays journal records with a higher
/// sequence number, stopping at the first torn or corrupt one (it was never acknowledged).
/// Journal record: length u32, CRC-32C u32 of the body, body = UTF-8 JSON of one commit.
/// </summary>
public sealed class JournaledLayerCatalog : ILayerCatalog
{
    public const string SnapshotFileName = "catalog.json";
    public const string JournalFileName = "catalog.journal";
    private const int SnapshotEvery = 1024;
    private const int FormatVersion = 2;
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly string _directory;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, LayerRecord> _byId = [];
    private readonly Dictionary<string, LayerRecord> _byName = new(StringComparer.Ordinal);
    private SafeFileHandle _journal;
    private long _journalLength;
    private long _sequence;
    private int _commitsSinceSnapshot;

    public JournaledLayerCatalog(string directory)
    {
        _directory = directory;
        string snapshot = Path.Combine(directory, SnapshotFileName);
        if (File.Exists(snapshot))
        {
            Snapshot document = JsonSerializer.Deserialize<Snapshot>(File.ReadAllBytes(snapshot), s_options)
                ?? throw new InvalidDataException($"{snapshot}: empty catalog");
            if (document.Format is not (1 or FormatVersion))
            {
                throw new InvalidDataException($"{snapshot}: catalog format {document.Format} is not supported (expected {FormatVersion})");
            }
            Apply(document.Layers, []);
            _sequence = document.Sequence;
        }
        _journal = File.OpenHandle(Path.Combine(directory, JournalFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        Replay();
    }

    public IReadOnlyCollection<LayerRecord> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _byId.Values.OrderBy(l => l.CreatedUtc).ThenBy(l => l.Name, StringComparer.Ordinal)];
            }
        }
    }

    public LayerRecord? Find(string name)
    {
        lock (_gate)
        {
            return _byName.GetValueOrDefault(name);
        }
    }

    public LayerRecord? Get(Guid id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    public void Commit(IReadOnlyList<LayerRecord> upserts, IReadOnlyList<Guid> deletes)
    {
        lock (_gate)
        {
            CheckNames(upserts, deletes);
            var entry = new JournalEntry { Sequence = _sequence + 1, Upserts = [.. upserts], Deletes = [.. deletes] };
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(entry, s_options);
            byte[] record = new byte[8 + body.Length];
            BinaryPrimitives.WriteInt32LittleEndian(record, body.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32C.Compute(body));
            body.CopyTo(record, 8);
            RandomAccess.Write(_journal, record, _journalLength);
            LibC.DataSync(_journal); // the commit point
            _journalLength += record.Length;
            _sequence = entry.Sequence;
            Apply(upserts, deletes);
            if (++_commitsSinceSnapshot >= SnapshotEvery)
            {
                WriteSnapshot();
            }
        }
    }

    /// <summary>Writes every layer as a new snapshot, then empties the journal. A crash between the two
    /// is harmless: replay skips journal records the snapshot already holds.</summary>
    private void WriteSnapshot()
    {
        var document = new Snapshot { Format = FormatVersion, Sequence = _sequence, Layers = [.. _byId.Values.OrderBy(l => l.CreatedUtc)] };
        string path = Path.Combine(_directory, SnapshotFileName);
        DurableFile.WriteAtomically(path + ".tmp", path, JsonSerializer.SerializeToUtf8Bytes(document, s_options));
        RandomAccess.SetLength(_journal, 0);
        LibC.DataSync(_journal);
        _journalLength = 0;
        _commitsSinceSnapshot = 0;
    }

    private void Replay()
    {
        long length = RandomAccess.GetLength(_journal);
        long position = 0;
        byte[] header = new byte[8];
        while (position + 8 <= length && RandomAccess.Read(_journal, header, position) == 8)
        {
            int bodyLength = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (bodyLength <= 0 || position + 8 + bodyLength > length)
            {
                break;
            }
            byte[] body = new byte[bodyLength];
            RandomAccess.Read(_journal, body, position + 8);
            if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)))
            {
                break;
            }
            JournalEntry entry = JsonSerializer.Deserialize<JournalEntry>(body, s_options)!;
            if (entry.Sequence > _sequence)
            {
                Apply(entry.Upserts, entry.Deletes);
                _sequence = entry.Sequence;
                _commitsSinceSnapshot++;
            }
            position += 8 + bodyLength;
        }
        if (position < length)
        {
            RandomAccess.SetLength(_journal, position); // a torn last record was never acknowledged
        }
        _journalLength = position;
    }

    private void CheckNames(IReadOnlyList<LayerRecord> upserts, IReadOnlyList<Guid> deletes)
    {
        foreach (LayerRecord layer in upserts)
        {
            if (_byName.TryGetValue(layer.Name, out LayerRecord? existing) && existing.Id != layer.Id && !deletes.Contains(existing.Id))
            {
                throw new InvalidOperationException($"two layers would be named '{layer.Name}'");
            }
        }
    }

    private void Apply(IEnumerable<LayerRecord> upserts, IEnumerable<Guid> deletes)
    {
        foreach (Guid id in deletes)
        {
            if (_byId.Remove(id, out LayerRecord? removed))
            {
                _byName.Remove(removed.Name);
            }
        }
        foreach (LayerRecord layer in upserts)
        {
            if (_byId.TryGetValue(layer.Id, out LayerRecord? previous))
            {
                _byName.Remove(previous.Name);
            }
            _byId[layer.Id] = layer;
            _byName[layer.Name] = layer;
        }
    }

    public void Dispose() => _journal.Dispose();

    private sealed class Snapshot
    {
        public int Format { get; set; }

        public long Sequence { get; set; }

        public List<LayerRecord> Layers { get; set; } = [];
    }

    private sealed class JournalEntry
    {
        public long Sequence { get; set; }

        public List<LayerRecord> Upserts { get; set; } = [];

        public List<Guid> Deletes { get; set; } = [];
    }
}
