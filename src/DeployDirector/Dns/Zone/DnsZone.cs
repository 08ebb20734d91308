using DeployDirector.Dns.Wire;

namespace DeployDirector.Dns.Zone;

/// <summary>
/// The zone's answers, computed purely from a question and a snapshot of the service groups:
/// <c>GROUP.DEPLOYMENT.ZONE</c> A (every available member), <c>INDEX.GROUP.DEPLOYMENT.ZONE</c> A,
/// <c>_PORT._tcp.GROUP.DEPLOYMENT.ZONE</c> SRV, SOA and NS at the apex. Deployments and
/// <c>_tcp</c> are empty non-terminals: they exist (NODATA) while something lives below them.
/// </summary>
internal sealed class DnsZone
{
    private const string TcpLabel = "_tcp";

    // Only secondaries read these; nothing transfers this zone, so they are nominal.
    private const uint SoaRefresh = 60;
    private const uint SoaRetry = 10;
    private const uint SoaExpire = 600;

    private readonly uint _ttl;
    private readonly uint _negativeTtl;
    private readonly DnsName _mailbox;
    private readonly AddressData? _nameServerAddress;

    public DnsZone(DnsOptions options)
    {
        if (!DnsName.TryParse(options.Zone, out DnsName apex) || apex.Labels.Count == 0)
        {
            throw new ArgumentException($"'{options.Zone}' is not a zone name this server can serve", nameof(options));
        }
        if (options.Ttl < TimeSpan.Zero || options.NegativeTtl < TimeSpan.Zero)
        {
            throw new ArgumentException("TTLs cannot be negative", nameof(options));
        }
        Apex = apex;
        _ttl = (uint)Math.Min(options.Ttl.TotalSeconds, int.MaxValue);
        _negativeTtl = (uint)Math.Min(options.NegativeTtl.TotalSeconds, int.MaxValue);
        _mailbox = apex.TryPrepend(out DnsName mailbox, "hostmaster") ? mailbox : apex;
        if (options.NameServerAddress is { } address)
        {
            if (!AddressData.TryFrom(address.ToString(), out AddressData data))
            {
                throw new ArgumentException("the name server's address must be IPv4 (the zone serves A records only)", nameof(options));
            }
            _nameServerAddress = data;
        }
    }

    public DnsName Apex { get; }

    /// <summary>The answer to a query with exactly one question; out-of-zone names are refused (no recursion).</summary>
    public DnsMessage Answer(DnsMessage query, IReadOnlyList<ServiceEndpoints> groups, uint serial)
    {
        DnsQuestion question = query.Questions[0];
        string[]? relative = question.Name.RelativeTo(Apex);
        if (relative is null || question.Class is not (DnsWire.ClassIn or DnsWire.ClassAny))
        {
            return DnsReplies.Reply(query, DnsWire.RcodeRefused, authoritative: false);
        }
        IReadOnlyList<ZoneEntry>? node = Node(question.Name, relative, groups, serial);
        if (node is null)
        {
            return DnsReplies.Reply(query, DnsWire.RcodeNxDomain, authoritative: true) with { Authority = [NegativeSoa(serial)] };
        }
        List<ZoneEntry> matching = [.. node.Where(e => question.Type == DnsWire.TypeAny || e.Record.Type == question.Type)];
        if (matching.Count == 0)
        {
            return DnsReplies.Reply(query, DnsWire.RcodeNoError, authoritative: true) with { Authority = [NegativeSoa(serial)] };
        }
        return DnsReplies.Reply(query, DnsWire.RcodeNoError, authoritative: true) with
        {
            Answers = [.. matching.Select(e => e.Record)],
            Additional = [.. matching.Select(e => e.Additional).OfType<DnsRecord>().Distinct()],
        };
    }

    /// <summary>The records at a name, or null when the name does not exist.</summary>
    private IReadOnlyList<ZoneEntry>? Node(DnsName owner, string[] relative, IReadOnlyList<ServiceEndpoints> groups, uint serial)
    {
        switch (relative.Length)
        {
            case 0:
                return ApexNode(owner, serial);
            case 1:
                return groups.Any(g => DnsName.LabelEquals(g.Deployment, relative[0])) ? [] : null;
        }
        ServiceEndpoints? group = groups.FirstOrDefault(g => DnsName.LabelEquals(g.Deployment, relative[^1]) && DnsName.LabelEquals(g.Group, relative[^2]));
        if (group is null)
        {
            return null;
        }
        List<(int Index, AddressData Address)> members = Members(group);
        switch (relative.Length)
        {
            case 2:
                return [.. members.Select(m => new ZoneEntry(Address(owner, m.Address)))];
            case 3 when DnsName.LabelEquals(relative[0], TcpLabel):
                return group.Ports.Any(p => IsPort(p.Value)) ? [] : null;
            case 3:
                List<ZoneEntry> member = [.. members.Where(m => IndexLabel(m.Index) == relative[0]).Take(1).Select(m => new ZoneEntry(Address(owner, m.Address)))];
                return member.Count == 0 ? null : member;
            case 4 when DnsName.LabelEquals(relative[1], TcpLabel) && relative[0].StartsWith('_'):
                return ServiceNode(owner, relative[0][1..], group, members);
            default:
                return null;
        }
    }

    private List<ZoneEntry> ApexNode(DnsName owner, uint serial)
    {
        DnsRecord? glue = _nameServerAddress is null ? null : new DnsRecord(Apex, DnsWire.TypeA, DnsWire.ClassIn, _ttl, _nameServerAddress);
        List<ZoneEntry> entries =
        [
            new(new DnsRecord(owner, DnsWire.TypeSoa, DnsWire.ClassIn, _ttl, Soa(serial))),
            new(new DnsRecord(owner, DnsWire.TypeNs, DnsWire.ClassIn, _ttl, new NameServerData(Apex)), glue),
        ];
        if (_nameServerAddress is not null)
        {
            entries.Add(new ZoneEntry(new DnsRecord(owner, DnsWire.TypeA, DnsWire.ClassIn, _ttl, _nameServerAddress)));
        }
        return entries;
    }

    private List<ZoneEntry>? ServiceNode(DnsName owner, string portName, ServiceEndpoints group, List<(int Index, AddressData Address)> members)
    {
        KeyValuePair<string, int> port = group.Ports.FirstOrDefault(p => DnsName.LabelEquals(p.Key, portName) && IsPort(p.Value));
        if (port.Key is null)
        {
            return null;
        }
        // The targets are spelled as the client spelled the group and deployment.
        DnsName groupName = owner.Suffix(2);
        var entries = new List<ZoneEntry>(members.Count);
        foreach ((int index, AddressData address) in members)
        {
            if (groupName.TryPrepend(out DnsName target, IndexLabel(index)))
            {
                var srv = new SrvData(0, 10, (ushort)port.Value, target);
                entries.Add(new ZoneEntry(new DnsRecord(owner, DnsWire.TypeSrv, DnsWire.ClassIn, _ttl, srv), Address(target, address)));
            }
        }
        return entries;
    }

    /// <summary>Members with a usable IPv4 address, in index order; one that is listed twice counts once.</summary>
    private static List<(int Index, AddressData Address)> Members(ServiceEndpoints group)
    {
        var members = new List<(int, AddressData)>(group.Available.Count);
        foreach (MemberEndpoint member in group.Available.Where(m => m.Index >= 0).OrderBy(m => m.Index).DistinctBy(m => m.Index))
        {
            if (AddressData.TryFrom(member.Address, out AddressData address))
            {
                members.Add((member.Index, address));
            }
        }
        return members;
    }

    private static bool IsPort(int port) => port is > 0 and <= ushort.MaxValue;

    private static string IndexLabel(int index) => index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private DnsRecord Address(DnsName owner, AddressData address) => new(owner, DnsWire.TypeA, DnsWire.ClassIn, _ttl, address);

    private SoaData Soa(uint serial) => new(Apex, _mailbox, serial, SoaRefresh, SoaRetry, SoaExpire, _negativeTtl);

    // RFC 2308 3: the SOA's TTL in a negative answer bounds how long the absence is cached.
    private DnsRecord NegativeSoa(uint serial) => new(Apex, DnsWire.TypeSoa, DnsWire.ClassIn, Math.Min(_ttl, _negativeTtl), Soa(serial));
}
