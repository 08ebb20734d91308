namespace DeployDirector.State;

/// <summary>A long director operation: queued → processing (⇄ paused) → (cancelling →) done | error | cancelled.</summary>
public sealed record DirectorTaskRecord(
    long Id,
    string Kind,
    string Deployment,
    string Description,
    DirectorTaskState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? Result,
    string? Error,
    IReadOnlyList<TaskEvent> Events)
{
    public bool Ended => State is DirectorTaskState.Done or DirectorTaskState.Error or DirectorTaskState.Cancelled;
}

/// <summary>Persisted by name: append new values, never rename.</summary>
public enum DirectorTaskState
{
    Queued,
    Processing,
    Cancelling,
    Cancelled,
    Done,
    Error,

    /// <summary>Waiting at a step for an operator's resume (a rollout after its canaries, or asked to pause).</summary>
    Paused,
}

/// <summary>One step of a task, as operators see it.</summary>
/// <param name="Progress">Steps done of <paramref name="Total"/> for the stage (0 of 0 when not counted).</param>
public sealed record TaskEvent(DateTimeOffset At, string Stage, string Message, int Progress, int Total);
