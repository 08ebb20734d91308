namespace DeployDirector.Dns.Wire;

/// <summary>RDATA of a type (or class) this server does not interpret, kept as its octets.</summary>
internal sealed record RawData(byte[] Bytes) : DnsRecordData
{
    public bool Equals(RawData? other) => other is not null && Bytes.AsSpan().SequenceEqual(other.Bytes);

    public override int GetHashCode() => Bytes.Length;

    public override string ToString() => $"\\# {Bytes.Length} {Convert.ToHexString(Bytes)}";
}
