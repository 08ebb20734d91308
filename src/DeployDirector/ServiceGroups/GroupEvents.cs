namespace DeployDirector.ServiceGroups;

/// <summary>One supervisor decision or outcome, in words: who died, who was fenced, where each instance went and why.</summary>
public sealed record GroupEvent(long Sequence, DateTimeOffset At, string Group, string Kind, string Message);

/// <summary>The newest <see cref="MaxKept"/> service-group events, in order (also written to the log).</summary>
public sealed class GroupEvents(TimeProvider clock)
{
    public const int MaxKept = 10_000;
    private readonly Queue<GroupEvent> _events = new();
    private readonly Lock _lock = new();
    private long _sequence;

    public event Action<GroupEvent>? Added;

    public GroupEvent Add(string group, string kind, string message)
    {
        GroupEvent added;
        lock (_lock)
        {
            added = new GroupEvent(++_sequence, clock.GetUtcNow(), group, kind, message);
            _events.Enqueue(added);
            while (_events.Count > MaxKept)
            {
                _events.Dequeue();
            }
        }
        Added?.Invoke(added);
        return added;
    }

    /// <summary>Events after <paramref name="after"/>, of one group (DEPLOYMENT/GROUP) or deployment when given.</summary>
    public IReadOnlyList<GroupEvent> List(long after = 0, string? group = null, int limit = 1000)
    {
        lock (_lock)
        {
            return [.. _events.Where(e => e.Sequence > after && (group is null || e.Group == group || e.Group.StartsWith(group + "/", StringComparison.Ordinal))).Take(limit)];
        }
    }
}
