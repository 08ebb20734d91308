using System.Buffers.Binary;
using System.Text.Json;
using ImageTree.Metadata;
using UnionBlock.Store;
using UnionBlock.Union;

namespace ImageTree.Tree;

/// <summary>Something that happened to the tree, numbered in order.</summary>
public sealed record TreeEvent(long Sequence, DateTimeOffset Time, string Kind, string Layer, string Message);

public sealed partial class ImageTreeService
{
    private const string EventPrefix = "event/";
    private const int EventsKept = 10_000;
    private const string LastEventKey = "events-last";
    private readonly Lock _events = new();
    private long _nextEvent;

    /// <summary>Raised for every event after it is stored.</summary>
    public event Action<TreeEvent>? EventPublished;

    /// <summary>Events after <paramref name="afterSequence"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<TreeEvent> Events(long afterSequence = 0, int limit = 1000) =>
        [.. _metadata.Scan(Key(EventPrefix))
            .Where(e => SequenceOf(e.Key) > afterSequence)
            .Take(limit)
            .Select(e => JsonSerializer.Deserialize<TreeEvent>(e.Value, MetadataJson.Options)!)];

    /// <summary>Stores an event and tells listeners; keeps the newest <see cref="EventsKept"/>.</summary>
    public TreeEvent Publish(string kind, string layer, string message)
    {
        TreeEvent stored;
        lock (_events)
        {
            stored = new TreeEvent(_nextEvent++, DateTimeOffset.UtcNow, kind, layer, message);
            // Events are history, not state: a power cut may lose the newest, a crash does not.
            var batch = new KeyValueBatch { Durable = false }
                .Put(EventKey(stored.Sequence), JsonSerializer.SerializeToUtf8Bytes(stored, MetadataJson.Options))
                .Put(Key(LastEventKey), EventKey(stored.Sequence));
            if (stored.Sequence > EventsKept)
            {
                batch.Delete(EventKey(stored.Sequence - EventsKept));
            }
            _metadata.Write(batch);
        }
        EventPublished?.Invoke(stored);
        return stored;
    }

    private void OnQuotaEvent(LayerRecord leaf, QuotaEventKind kind, DeviceQuota quota)
    {
        long referenced = quota.ReferencedBlocks * UnionBlock.Blocks.Size;
        if (kind == QuotaEventKind.SoftExceeded)
        {
            Publish("quota.soft-exceeded", leaf.Name, $"references {referenced} bytes, above the soft quota of {leaf.SoftQuotaBytes}");
        }
        else
        {
            Publish("quota.hard-reached", leaf.Name, $"a write was refused with ENOSPC: {referenced} bytes referenced, hard quota {leaf.QuotaBytes}");
        }
    }

    /// <summary>Read at open from one key kept beside the events, not by scanning them.</summary>
    private long LastEventSequence() => _metadata.Get(Key(LastEventKey)) is { } key ? SequenceOf(key) : 0;

    private static long SequenceOf(byte[] eventKey) => BinaryPrimitives.ReadInt64BigEndian(eventKey.AsSpan(EventPrefix.Length));

    /// <summary>Big-endian sequence numbers keep events in key order.</summary>
    private static byte[] EventKey(long sequence)
    {
        byte[] key = new byte[EventPrefix.Length + 8];
        System.Text.Encoding.ASCII.GetBytes(EventPrefix, key);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(EventPrefix.Length), sequence);
        return key;
    }
}
