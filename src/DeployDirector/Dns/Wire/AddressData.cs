using System.Net;

namespace DeployDirector.Dns.Wire;

/// <summary>RFC 1035 3.4.1: an IPv4 address, held in network order as a number.</summary>
internal sealed record AddressData(uint Address) : DnsRecordData
{
    public static bool TryFrom(string text, out AddressData data)
    {
        data = new AddressData(0);
        if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        data = new AddressData(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes));
        return true;
    }

    public override string ToString() => $"{Address >> 24}.{(Address >> 16) & 0xFF}.{(Address >> 8) & 0xFF}.{Address & 0xFF}";
}
