namespace DeployDirector.Dns;

/// <summary>
/// Who can take clients right now, per service group. The DNS server asks on every query, so an
/// implementation answers from memory and returns a snapshot it never mutates afterwards.
/// </summary>
public interface IEndpointDirectory
{
    IReadOnlyList<ServiceEndpoints> Groups();
}
