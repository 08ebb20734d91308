using DeployDirector.Dns.Wire;
using DeployDirector.Dns.Zone;
using Microsoft.Extensions.Logging;

namespace DeployDirector.Dns;

/// <summary>
/// One request's bytes in, one response's bytes out, whatever the transport. All the protocol's
/// checks live here: what is dropped, what is FORMERR, NOTIMP, BADVERS or REFUSED, and how an
/// answer is cut down to the size the client can take.
/// </summary>
internal sealed class DnsResponder
{
    private readonly IEndpointDirectory _directory;
    private readonly DnsZone _zone;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;

    public DnsResponder(IEndpointDirectory directory, DnsZone zone, TimeProvider clock, ILogger log)
    {
        _directory = directory;
        _zone = zone;
        _clock = clock;
        _log = log;
    }

    public string Zone => _zone.Apex.ToString();

    /// <summary>
    /// Writes the response into <paramref name="response"/> and returns its length, or 0 when
    /// nothing is to be sent. Over UDP the response fits the client's payload size (512 without
    /// EDNS, at most 1232 with it) and sets TC when answers had to go.
    /// </summary>
    public int Respond(ReadOnlySpan<byte> request, Span<byte> response, bool overUdp)
    {
        DnsParseStatus status = DnsMessageParser.TryParse(request, out DnsHeader header, out DnsMessage query);
        if (status == DnsParseStatus.NoHeader || header.IsResponse)
        {
            // Answering a response could start a loop between two servers; a fragment has no id to answer.
            return 0;
        }
        int limit = Math.Min(response.Length, overUdp ? UdpLimit(status == DnsParseStatus.Ok ? query.Edns : null) : DnsWire.MaxTcpMessage);
        DnsMessage reply = status == DnsParseStatus.Ok ? Answer(query) : DnsReplies.FormatError(header);
        return Encode(reply, response[..limit]);
    }

    private DnsMessage Answer(DnsMessage query)
    {
        if (query.Header.Opcode != DnsWire.OpcodeQuery)
        {
            return DnsReplies.Reply(query, DnsWire.RcodeNotImp, authoritative: false);
        }
        if (query.Edns is { Version: > 0 })
        {
            // RFC 6891 6.1.3: a version this server does not implement.
            return DnsReplies.Reply(query, DnsWire.RcodeBadVers, authoritative: false);
        }
        if (query.Questions.Count != 1)
        {
            return DnsReplies.Reply(query, DnsWire.RcodeFormErr, authoritative: false);
        }
        try
        {
            // The snapshot comes from another component: whatever is wrong with it costs one SERVFAIL.
            return _zone.Answer(query, _directory.Groups(), (uint)_clock.GetUtcNow().ToUnixTimeSeconds());
        }
        catch (Exception exception)
        {
            _log.LogDirectoryFailed(exception);
            return DnsReplies.Reply(query, DnsWire.RcodeServFail, authoritative: false);
        }
    }

    private static int UdpLimit(DnsEdns? edns) =>
        edns is null ? DnsWire.ClassicUdpPayload : Math.Clamp((int)edns.UdpPayloadSize, DnsWire.ClassicUdpPayload, DnsWire.MaxUdpPayload);

    /// <summary>
    /// The whole reply if it fits; else without the additional section, which RFC 2181 9 lets a
    /// server drop without TC; else header, question and OPT with TC set, so the client asks over TCP.
    /// </summary>
    private static int Encode(DnsMessage reply, Span<byte> destination)
    {
        if (DnsMessageEncoder.TryEncode(reply, destination, out int written)
            || DnsMessageEncoder.TryEncode(reply with { Additional = [] }, destination, out written))
        {
            return written;
        }
        DnsMessage truncated = reply with { Flags = (ushort)(reply.Flags | DnsWire.FlagTc), Answers = [], Authority = [], Additional = [] };
        return DnsMessageEncoder.TryEncode(truncated, destination, out written) ? written : 0;
    }
}
