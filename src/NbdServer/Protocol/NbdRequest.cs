namespace NbdServer.Protocol;

/// <summary>A transmission-phase request header.</summary>
internal readonly record struct NbdRequest(ushort Flags, ushort Type, ulong Cookie, ulong Offset, uint Length)
{
    public bool Has(ushort flag) => (Flags & flag) != 0;
}
