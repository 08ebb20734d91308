using DeployDirector.State;

namespace DeployDirector.Tasks;

/// <summary>What a task's work sees: its cancellation (checked at each step) and a way to report steps.</summary>
public sealed class TaskContext
{
    private readonly DirectorTasks _tasks;
    private readonly DirectorTasks.Running _running;

    internal TaskContext(DirectorTasks tasks, DirectorTasks.Running running)
    {
        _tasks = tasks;
        _running = running;
    }

    public long TaskId => _running.Record.Id;

    public CancellationToken Cancellation => _running.Cancellation.Token;

    /// <summary>A place where the task may pause: waits here while an operator (or <see cref="PauseHere"/>) asked it to.</summary>
    public Task PausePointAsync(string why) => _tasks.PausePointAsync(_running, why);

    /// <summary>Pauses the task at its next pause point, as an operator's pause would.</summary>
    public void PauseHere() => _running.PauseRequested = true;

    /// <summary>Records a step; throws when the task was cancelled (cancel takes effect at the next step).</summary>
    public void Step(string stage, string message, int progress = 0, int total = 0)
    {
        Cancellation.ThrowIfCancellationRequested();
        _tasks.AddEvent(_running, new TaskEvent(DateTimeOffset.UtcNow, stage, message, progress, total));
    }
}
