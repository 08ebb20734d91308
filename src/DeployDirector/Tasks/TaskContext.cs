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

    /// <summary>Records a step; throws when the task was cancelled (cancel takes effect at the next step).</summary>
    public void Step(string stage, string message, int progress = 0, int total = 0)
    {
        Cancellation.ThrowIfCancellationRequested();
        _tasks.AddEvent(_running, new TaskEvent(DateTimeOffset.UtcNow, stage, message, progress, total));
    }
}
