namespace Ubd.Api;

/// <summary>A long operation run by the server: it goes on when the client that started it leaves.</summary>
public sealed class ApiTask
{
    private readonly Lock _lock = new();
    private readonly List<TaskCompletionSource> _waiters = [];

    public required string Id { get; init; }

    public required string Kind { get; init; }

    public required string Target { get; init; }

    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;

    public string State { get; private set; } = "running";

    public long Done { get; private set; }

    public long Total { get; set; }

    public object? Result { get; private set; }

    public string? Error { get; private set; }

    public int ErrorStatus { get; private set; }

    public string? ErrorTitle { get; private set; }

    public DateTimeOffset? Finished { get; private set; }

    public bool IsFinished => Finished is not null;

    /// <summary>A snapshot for JSON.</summary>
    public TaskView View()
    {
        lock (_lock)
        {
            return new TaskView(Id, Kind, Target, State, Done, Total, Created, Finished, Result, Error, ErrorStatus, ErrorTitle);
        }
    }

    public void Report(long done)
    {
        lock (_lock)
        {
            Done = done;
        }
        Wake();
    }

    public void Succeed(object? result)
    {
        lock (_lock)
        {
            Result = result;
            State = "succeeded";
            Done = Math.Max(Done, Total);
            Finished = DateTimeOffset.UtcNow;
        }
        Wake();
    }

    public void Fail(string error, int status, string title)
    {
        lock (_lock)
        {
            Error = error;
            ErrorStatus = status;
            ErrorTitle = title;
            State = "failed";
            Finished = DateTimeOffset.UtcNow;
        }
        Wake();
    }

    /// <summary>Completes at the next change of progress or state (for event streams).</summary>
    public Task Changed(CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (IsFinished)
            {
                return Task.CompletedTask;
            }
            _waiters.Add(waiter);
        }
        return waiter.Task.WaitAsync(cancellationToken);
    }

    private void Wake()
    {
        TaskCompletionSource[] waiters;
        lock (_lock)
        {
            waiters = [.. _waiters];
            _waiters.Clear();
        }
        foreach (TaskCompletionSource waiter in waiters)
        {
            waiter.TrySetResult();
        }
    }
}

/// <summary>A task as the API shows it.</summary>
public sealed record TaskView(string Id, string Kind, string Target, string State, long Done, long Total, DateTimeOffset Created, DateTimeOffset? Finished, object? Result, string? Error, int ErrorStatus, string? ErrorTitle);
