namespace DeployDirector.Dns.Wire;

/// <summary>The first four octets of a message: enough to answer FORMERR when the rest cannot be read.</summary>
internal readonly record struct DnsHeader(ushort Id, ushort Flags)
{
    public bool IsResponse => (Flags & DnsWire.FlagQr) != 0;

    public int Opcode => (Flags >> DnsWire.OpcodeShift) & DnsWire.OpcodeMask;
}
