using System.Collections.Concurrent;
using DeployDirector.Contracts;
using DeployDirector.Live;

namespace DeployDirector.ServiceGroups;

/// <summary>
/// Flow control for update_group pushes: at most one in flight per member. A push for a member still
/// answering the last one replaces whatever waits behind it, and goes when the answer (or its time-out)
/// comes. Agents keep only the newest version, so skipping the ones between loses nothing. Without this,
/// a group whose members' health flapped (as when the director itself fell behind in a mass failure) sent
/// a new command to each of its members every second whether or not they had taken the last one, and at
/// 10,000 members those commands were most of the load that kept heartbeats late.
/// </summary>
internal sealed class GroupPushes(AgentHub hub)
{
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Member> _members = new(StringComparer.Ordinal);

    private sealed class Member
    {
        public bool InFlight;
        public AgentCommand? Next;
    }

    public void Push(string mac, AgentCommand command)
    {
        Member member = _members.GetOrAdd(mac + " " + command.Instance?.Id, _ => new Member());
        lock (member)
        {
            if (member.InFlight)
            {
                member.Next = command;
                return;
            }
            member.InFlight = true;
        }
        _ = SendAsync(mac, member, command);
    }

    private async Task SendAsync(string mac, Member member, AgentCommand command)
    {
        while (true)
        {
            await hub.SendAsync(mac, command, AnswerWithin, CancellationToken.None).ConfigureAwait(false);
            lock (member)
            {
                if (member.Next is null)
                {
                    member.InFlight = false;
                    return;
                }
                command = member.Next;
                member.Next = null;
            }
        }
    }
}
