namespace DeployDirector.Dns.Wire;

/// <summary>Writes a <see cref="DnsMessage"/> to the wire; the OPT record, if any, goes last in the additional section.</summary>
internal static class DnsMessageEncoder
{
    /// <summary>False when the message does not fit in <paramref name="destination"/>.</summary>
    public static bool TryEncode(DnsMessage message, Span<byte> destination, out int written)
    {
        var writer = new DnsWriter(destination);
        writer.U16(message.Id);
        writer.U16(message.Flags);
        writer.U16(checked((ushort)message.Questions.Count));
        writer.U16(checked((ushort)message.Answers.Count));
        writer.U16(checked((ushort)message.Authority.Count));
        writer.U16(checked((ushort)(message.Additional.Count + (message.Edns is null ? 0 : 1))));
        foreach (DnsQuestion question in message.Questions)
        {
            writer.Name(question.Name);
            writer.U16(question.Type);
            writer.U16(question.Class);
        }
        foreach (DnsRecord record in message.Answers.Concat(message.Authority).Concat(message.Additional))
        {
            Record(ref writer, record);
            if (writer.Overflowed)
            {
                break;
            }
        }
        if (message.Edns is { } edns)
        {
            writer.U8(0);
            writer.U16(DnsWire.TypeOpt);
            writer.U16(edns.UdpPayloadSize);
            writer.U32(((uint)edns.ExtendedRcode << 24) | ((uint)edns.Version << 16) | edns.Flags);
            writer.U16(0);
        }
        written = writer.Overflowed ? 0 : writer.Position;
        return !writer.Overflowed;
    }

    private static void Record(ref DnsWriter writer, DnsRecord record)
    {
        writer.Name(record.Name);
        writer.U16(record.Type);
        writer.U16(record.Class);
        writer.U32(record.Ttl);
        int lengthAt = writer.Position;
        writer.U16(0);
        int start = writer.Position;
        switch (record.Data)
        {
            case AddressData a:
                writer.U32(a.Address);
                break;
            case NameServerData ns:
                writer.Name(ns.Host);
                break;
            case SoaData soa:
                writer.Name(soa.PrimaryServer);
                writer.Name(soa.Mailbox);
                writer.U32(soa.Serial);
                writer.U32(soa.Refresh);
                writer.U32(soa.Retry);
                writer.U32(soa.Expire);
                writer.U32(soa.Minimum);
                break;
            case SrvData srv:
                writer.U16(srv.Priority);
                writer.U16(srv.Weight);
                writer.U16(srv.Port);
                // RFC 2782: "name compression is not to be used for this field".
                writer.Name(srv.Target, compress: false);
                break;
            case RawData raw:
                writer.Bytes(raw.Bytes);
                break;
            default:
                throw new ArgumentException($"no encoding for {record.Data.GetType().Name}", nameof(record));
        }
        writer.PatchU16(lengthAt, (ushort)(writer.Position - start));
    }
}
