using System.Buffers.Binary;
using System.Text;
using NbdServer.Protocol;

namespace NbdServer.Connection;

/// <summary>Parsers for option payloads. Each returns false when the payload is malformed.</summary>
internal static class OptionParsers
{
    /// <summary>INFO and GO: name length, name, count of info requests, the requests.</summary>
    public static bool TryParseInfoRequest(ReadOnlySpan<byte> data, out string name, out ushort[] requests)
    {
        name = string.Empty;
        requests = [];
        // proto.md: the name length must leave room for the 2-byte request count.
        if (data.Length < 6)
        {
            return false;
        }
        uint nameLength = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (nameLength > data.Length - 6 || !TryDecodeString(data.Slice(4, (int)nameLength), out name))
        {
            return false;
        }
        ReadOnlySpan<byte> rest = data[(4 + (int)nameLength)..];
        ushort count = BinaryPrimitives.ReadUInt16BigEndian(rest);
        if (rest.Length != 2 + count * 2)
        {
            return false;
        }
        requests = new ushort[count];
        for (int i = 0; i < count; i++)
        {
            requests[i] = BinaryPrimitives.ReadUInt16BigEndian(rest[(2 + i * 2)..]);
        }
        return true;
    }

    /// <summary>LIST_META_CONTEXT and SET_META_CONTEXT: export name, count of queries, the queries.</summary>
    public static bool TryParseMetaContextRequest(ReadOnlySpan<byte> data, out string exportName, out string[] queries)
    {
        exportName = string.Empty;
        queries = [];
        if (data.Length < 8)
        {
            return false;
        }
        uint nameLength = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (nameLength > data.Length - 8 || !TryDecodeString(data.Slice(4, (int)nameLength), out exportName))
        {
            return false;
        }
        ReadOnlySpan<byte> rest = data[(4 + (int)nameLength)..];
        uint count = BinaryPrimitives.ReadUInt32BigEndian(rest);
        rest = rest[4..];
        if (count > rest.Length / 4)
        {
            return false;
        }
        var parsed = new string[count];
        for (int i = 0; i < count; i++)
        {
            if (rest.Length < 4)
            {
                return false;
            }
            uint length = BinaryPrimitives.ReadUInt32BigEndian(rest);
            if (length > rest.Length - 4 || !TryDecodeString(rest.Slice(4, (int)length), out parsed[i]))
            {
                return false;
            }
            rest = rest[(4 + (int)length)..];
        }
        queries = parsed;
        return rest.IsEmpty;
    }

    /// <summary>proto.md: strings are at most 4096 bytes and never contain NUL.</summary>
    public static bool TryDecodeString(ReadOnlySpan<byte> bytes, out string value)
    {
        value = string.Empty;
        if (bytes.Length > NbdWire.MaxStringLength || bytes.Contains((byte)0))
        {
            return false;
        }
        value = Encoding.UTF8.GetString(bytes);
        return true;
    }
}
