namespace DeployDirector.Dns.Wire;

/// <summary>
/// Reads a whole message: every count, length and name is checked against the octets that are
/// there; trailing octets, a second OPT record or an OPT outside the additional section make the
/// message malformed (RFC 6891 6.1.1).
/// </summary>
internal static class DnsMessageParser
{
    // The smallest question is a root name and two 16-bit fields; the smallest record adds TTL and RDLENGTH.
    private const int MinQuestion = 5;
    private const int MinRecord = 11;

    public static DnsParseStatus TryParse(ReadOnlySpan<byte> bytes, out DnsHeader header, out DnsMessage message)
    {
        message = new DnsMessage();
        header = default;
        var reader = new DnsReader(bytes);
        if (bytes.Length < DnsWire.HeaderSize)
        {
            return DnsParseStatus.NoHeader;
        }
        reader.TryU16(out ushort id);
        reader.TryU16(out ushort flags);
        reader.TryU16(out ushort questionCount);
        reader.TryU16(out ushort answerCount);
        reader.TryU16(out ushort authorityCount);
        reader.TryU16(out ushort additionalCount);
        header = new DnsHeader(id, flags);

        var questions = new List<DnsQuestion>(Math.Min(questionCount, reader.Remaining / MinQuestion));
        for (int i = 0; i < questionCount; i++)
        {
            if (!reader.TryName(out DnsName name) || !reader.TryU16(out ushort type) || !reader.TryU16(out ushort @class))
            {
                return DnsParseStatus.Malformed;
            }
            questions.Add(new DnsQuestion(name, type, @class));
        }
        DnsEdns? edns = null;
        if (!TryRecords(ref reader, answerCount, allowOpt: false, ref edns, out List<DnsRecord> answers)
            || !TryRecords(ref reader, authorityCount, allowOpt: false, ref edns, out List<DnsRecord> authority)
            || !TryRecords(ref reader, additionalCount, allowOpt: true, ref edns, out List<DnsRecord> additional)
            || reader.Remaining != 0)
        {
            return DnsParseStatus.Malformed;
        }
        message = new DnsMessage
        {
            Id = id,
            Flags = flags,
            Questions = questions,
            Answers = answers,
            Authority = authority,
            Additional = additional,
            Edns = edns,
        };
        return DnsParseStatus.Ok;
    }

    private static bool TryRecords(ref DnsReader reader, int count, bool allowOpt, ref DnsEdns? edns, out List<DnsRecord> records)
    {
        records = new List<DnsRecord>(Math.Min(count, reader.Remaining / MinRecord));
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryName(out DnsName name) || !reader.TryU16(out ushort type) || !reader.TryU16(out ushort @class)
                || !reader.TryU32(out uint ttl) || !reader.TryU16(out ushort length) || reader.Remaining < length)
            {
                return false;
            }
            int end = reader.Position + length;
            if (type == DnsWire.TypeOpt)
            {
                if (!allowOpt || edns is not null || name.Labels.Count != 0 || !TrySkipOptions(ref reader, end))
                {
                    return false;
                }
                edns = new DnsEdns(@class, (byte)(ttl >> 24), (byte)(ttl >> 16), (ushort)ttl);
                continue;
            }
            if (!TryData(ref reader, type, @class, length, out DnsRecordData data) || reader.Position != end)
            {
                return false;
            }
            records.Add(new DnsRecord(name, type, @class, ttl, data));
        }
        return true;
    }

    private static bool TryData(ref DnsReader reader, ushort type, ushort @class, ushort length, out DnsRecordData data)
    {
        data = new RawData([]);
        if (@class != DnsWire.ClassIn)
        {
            return TryRaw(ref reader, length, out data);
        }
        switch (type)
        {
            case DnsWire.TypeA:
                if (length != 4 || !reader.TryU32(out uint address))
                {
                    return false;
                }
                data = new AddressData(address);
                return true;
            case DnsWire.TypeNs:
                if (!reader.TryName(out DnsName host))
                {
                    return false;
                }
                data = new NameServerData(host);
                return true;
            case DnsWire.TypeSoa:
                if (!reader.TryName(out DnsName primary) || !reader.TryName(out DnsName mailbox) || !reader.TryU32(out uint serial)
                    || !reader.TryU32(out uint refresh) || !reader.TryU32(out uint retry) || !reader.TryU32(out uint expire) || !reader.TryU32(out uint minimum))
                {
                    return false;
                }
                data = new SoaData(primary, mailbox, serial, refresh, retry, expire, minimum);
                return true;
            case DnsWire.TypeSrv:
                if (!reader.TryU16(out ushort priority) || !reader.TryU16(out ushort weight) || !reader.TryU16(out ushort port) || !reader.TryName(out DnsName target))
                {
                    return false;
                }
                data = new SrvData(priority, weight, port, target);
                return true;
            default:
                return TryRaw(ref reader, length, out data);
        }
    }

    private static bool TryRaw(ref DnsReader reader, ushort length, out DnsRecordData data)
    {
        data = new RawData([]);
        if (!reader.TryBytes(length, out ReadOnlySpan<byte> bytes))
        {
            return false;
        }
        data = new RawData(bytes.ToArray());
        return true;
    }

    // RFC 6891 6.1.2: {OPTION-CODE, OPTION-LENGTH, OPTION-DATA} repeated, filling RDATA exactly.
    private static bool TrySkipOptions(ref DnsReader reader, int end)
    {
        while (reader.Position < end)
        {
            if (!reader.TryU16(out _) || !reader.TryU16(out ushort length) || reader.Position + length > end || !reader.TryBytes(length, out _))
            {
                return false;
            }
        }
        return reader.Position == end;
    }
}
