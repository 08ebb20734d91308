using DeployDirector.Manifest;

namespace DeployDirector.Planning;

/// <summary>One step of a group's update: the instances changed together, and whether they are canaries.</summary>
public sealed record UpdateBatch<T>(IReadOnlyList<T> Items, bool Canary);

/// <summary>
/// How a group's changes are cut into batches (BOSH's update block, pure): the first
/// <c>canaries</c> changes go first with the canary watch time, the rest in batches of
/// <c>max_in_flight</c>. An update block's <c>min_available</c> caps every batch further: a batch
/// never takes down more running instances than leave <c>min_available</c> running (new instances
/// run nowhere yet, so they take nothing down and are bounded by <c>max_in_flight</c> alone).
/// </summary>
public static class UpdateBatches
{
    /// <param name="items">The group's changes, in update order.</param>
    /// <param name="takesDown">Whether updating an item stops a running instance while it updates.</param>
    /// <param name="instances">The group's size (what a percentage max_in_flight is of).</param>
    /// <param name="running">How many of the group's instances run now.</param>
    /// <exception cref="DirectorException">Invalid when min_available leaves no room to update a running instance.</exception>
    public static IReadOnlyList<UpdateBatch<T>> Plan<T>(IReadOnlyList<T> items, Func<T, bool> takesDown, int instances, int running, UpdatePolicy policy, string group)
    {
        int room = policy.MinAvailable is { } minimum ? running - minimum : int.MaxValue;
        if (room < 1 && items.Any(takesDown))
        {
            throw new DirectorException(DirectorError.Invalid,
                $"group {group}: min_available {policy.MinAvailable} with {running} instance(s) running leaves none that may stop to update; lower min_available in the update block or add instances first");
        }
        int canaries = Math.Min(policy.Canaries, items.Count);
        var batches = new List<UpdateBatch<T>>();
        Cut(items.Take(canaries).ToList(), Math.Max(1, canaries), room, takesDown, true, batches);
        Cut(items.Skip(canaries).ToList(), policy.MaxInFlight.For(instances), room, takesDown, false, batches);
        return batches;
    }

    /// <summary>Greedy, in order: a batch closes when it is full or when the next item would take down one instance too many.</summary>
    private static void Cut<T>(List<T> items, int size, int room, Func<T, bool> takesDown, bool canary, List<UpdateBatch<T>> batches)
    {
        var batch = new List<T>();
        int down = 0;
        foreach (T item in items)
        {
            bool stops = takesDown(item);
            if (batch.Count == size || (stops && down == room))
            {
                batches.Add(new UpdateBatch<T>(batch, canary));
                (batch, down) = ([], 0);
            }
            batch.Add(item);
            down += stops ? 1 : 0;
        }
        if (batch.Count > 0)
        {
            batches.Add(new UpdateBatch<T>(batch, canary));
        }
    }
}
