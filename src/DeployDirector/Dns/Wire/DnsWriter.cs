using System.Buffers.Binary;

namespace DeployDirector.Dns.Wire;

/// <summary>
/// Writes a message into a fixed buffer. A write that does not fit marks the writer overflowed
/// instead of throwing, so the encoder can try a smaller answer. Names are compressed against
/// every name written before them (RFC 1035 4.1.4).
/// </summary>
internal ref struct DnsWriter
{
    private readonly Span<byte> _buffer;
    private readonly Dictionary<string, int> _names;

    public DnsWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _names = [];
        Position = 0;
        Overflowed = false;
    }

    public int Position { get; private set; }

    public bool Overflowed { get; private set; }

    private bool Reserve(int count)
    {
        if (Overflowed || _buffer.Length - Position < count)
        {
            Overflowed = true;
            return false;
        }
        return true;
    }

    public void U8(byte value)
    {
        if (Reserve(1))
        {
            _buffer[Position++] = value;
        }
    }

    public void U16(ushort value)
    {
        if (Reserve(2))
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[Position..], value);
            Position += 2;
        }
    }

    public void U32(uint value)
    {
        if (Reserve(4))
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer[Position..], value);
            Position += 4;
        }
    }

    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        if (Reserve(bytes.Length))
        {
            bytes.CopyTo(_buffer[Position..]);
            Position += bytes.Length;
        }
    }

    public readonly void PatchU16(int at, ushort value)
    {
        if (!Overflowed)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[at..], value);
        }
    }

    /// <summary>
    /// Writes a name, ending in a pointer to the longest suffix already written when
    /// <paramref name="compress"/> allows. Uncompressed names (RFC 2782: SRV targets) are not
    /// offered as pointer targets either, so their octets stay exactly as a reader expects.
    /// </summary>
    public void Name(DnsName name, bool compress = true)
    {
        for (int skip = 0; skip < name.Labels.Count; skip++)
        {
            string key = name.Suffix(skip).Key();
            if (compress && _names.TryGetValue(key, out int offset))
            {
                U16((ushort)((DnsWire.PointerMask << 8) | offset));
                return;
            }
            if (compress && Position <= DnsWire.MaxPointerOffset && !Overflowed)
            {
                _names[key] = Position;
            }
            string label = name.Labels[skip];
            if (Reserve(1 + label.Length))
            {
                _buffer[Position++] = (byte)label.Length;
                foreach (char c in label)
                {
                    _buffer[Position++] = (byte)c;
                }
            }
        }
        U8(0);
    }
}
