using System.Collections.Concurrent;

namespace Ubd.Api;

/// <summary>
/// Runs long operations (import, flatten, reconcile, export) in the background, one thread each,
/// keeping the newest few hundred. Progress is what the operation reports; the result or the error
/// (as the same problem text the API would have answered) stays for clients to fetch.
/// </summary>
public sealed class TaskRunner
{
    private const int Kept = 500;
    private readonly ConcurrentDictionary<string, ApiTask> _tasks = new();

    public ApiTask Start(string kind, string target, long total, Func<IProgress<long>, CancellationToken, object?> work)
    {
        var task = new ApiTask { Id = Guid.NewGuid().ToString("N")[..12], Kind = kind, Target = target, Total = total };
        _tasks[task.Id] = task;
        Trim();
        var progress = new Progress(task);
        _ = Task.Factory.StartNew(() =>
        {
            try
            {
                task.Succeed(work(progress, CancellationToken.None));
            }
            catch (Exception exception)
            {
                (int status, string title, string detail) = ProblemMapping.Describe(exception);
                task.Fail(detail, status, title);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return task;
    }

    public ApiTask? Get(string id) => _tasks.GetValueOrDefault(id);

    public IReadOnlyList<ApiTask> All() => [.. _tasks.Values.OrderByDescending(t => t.Created)];

    private void Trim()
    {
        foreach (ApiTask old in _tasks.Values.Where(t => t.IsFinished).OrderByDescending(t => t.Created).Skip(Kept))
        {
            _tasks.TryRemove(old.Id, out _);
        }
    }

    private sealed class Progress(ApiTask task) : IProgress<long>
    {
        public void Report(long value) => task.Report(value);
    }
}
