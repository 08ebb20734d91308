using System.Text;

namespace NodeAgent.Supervision;

/// <summary>Keeps the last <see cref="Capacity"/> bytes written to it (output is bounded; the tail tells why it ended).</summary>
internal sealed class TailBuffer(int capacity)
{
    private readonly byte[] _ring = new byte[capacity];
    private int _next;
    private int _count;

    public int Capacity => _ring.Length;

    /// <summary>Every byte written, kept or not.</summary>
    public long Written { get; private set; }

    public void Write(ReadOnlySpan<byte> data)
    {
        Written += data.Length;
        if (_ring.Length == 0)
        {
            return;
        }

        if (data.Length > _ring.Length)
        {
            data = data[^_ring.Length..];
        }

        var first = Math.Min(data.Length, _ring.Length - _next);
        data[..first].CopyTo(_ring.AsSpan(_next));
        data[first..].CopyTo(_ring);
        _next = (_next + data.Length) % _ring.Length;
        _count = Math.Min(_ring.Length, _count + data.Length);
    }

    public byte[] ToArray()
    {
        if (_count < _ring.Length)
        {
            return _ring[.._count];
        }

        return [.. _ring[_next..], .. _ring[.._next]];
    }

    /// <summary>The tail as UTF-8, skipping a partial character cut at the front.</summary>
    public override string ToString()
    {
        var bytes = ToArray();
        var skip = 0;
        while (skip < bytes.Length && skip < 3 && Written > bytes.Length && (bytes[skip] & 0xC0) == 0x80)
        {
            skip++;
        }

        return Encoding.UTF8.GetString(bytes, skip, bytes.Length - skip);
    }
}
