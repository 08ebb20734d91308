using System.Buffers.Binary;
using System.Text;

namespace DeployDirector.Dns.Wire;

/// <summary>
/// A bounds-checked cursor over one message. Every read says whether it fit; nothing throws, so a
/// hostile packet costs at most one pass and never escapes the parser.
/// </summary>
internal ref struct DnsReader
{
    private readonly ReadOnlySpan<byte> _message;

    public DnsReader(ReadOnlySpan<byte> message)
    {
        _message = message;
        Position = 0;
    }

    public int Position { get; private set; }

    public readonly int Remaining => _message.Length - Position;

    public bool TryU8(out byte value)
    {
        value = 0;
        if (Remaining < 1)
        {
            return false;
        }
        value = _message[Position++];
        return true;
    }

    public bool TryU16(out ushort value)
    {
        value = 0;
        if (Remaining < 2)
        {
            return false;
        }
        value = BinaryPrimitives.ReadUInt16BigEndian(_message[Position..]);
        Position += 2;
        return true;
    }

    public bool TryU32(out uint value)
    {
        value = 0;
        if (Remaining < 4)
        {
            return false;
        }
        value = BinaryPrimitives.ReadUInt32BigEndian(_message[Position..]);
        Position += 4;
        return true;
    }

    public bool TryBytes(int count, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (count < 0 || Remaining < count)
        {
            return false;
        }
        bytes = _message.Slice(Position, count);
        Position += count;
        return true;
    }

    /// <summary>
    /// RFC 1035 4.1.4: labels, ending in the root label or a pointer to an earlier name. A pointer
    /// must point backwards and the jumps are counted, so a loop ends in failure, not a hang.
    /// </summary>
    public bool TryName(out DnsName name)
    {
        name = DnsName.Root;
        var labels = new List<string>();
        int at = Position;
        int length = 1;
        int jumps = 0;
        int resume = -1;
        while (true)
        {
            if (at >= _message.Length)
            {
                return false;
            }
            byte first = _message[at];
            if (first == 0)
            {
                at++;
                break;
            }
            if ((first & DnsWire.PointerMask) == DnsWire.PointerMask)
            {
                if (at + 1 >= _message.Length || ++jumps > DnsWire.MaxPointerJumps)
                {
                    return false;
                }
                int target = ((first & ~DnsWire.PointerMask) << 8) | _message[at + 1];
                if (target >= at)
                {
                    return false;
                }
                if (resume < 0)
                {
                    resume = at + 2;
                }
                at = target;
                continue;
            }
            if ((first & DnsWire.PointerMask) != 0)
            {
                return false;
            }
            length += 1 + first;
            if (length > DnsWire.MaxNameLength || at + 1 + first > _message.Length)
            {
                return false;
            }
            labels.Add(Encoding.Latin1.GetString(_message.Slice(at + 1, first)));
            at += 1 + first;
        }
        Position = resume >= 0 ? resume : at;
        return DnsName.TryCreate(labels, out name);
    }
}
