using System.Collections.Concurrent;
using System.Threading.Channels;
using DeployDirector.State;
using Microsoft.Extensions.Logging;

namespace DeployDirector.Tasks;

/// <summary>
/// Long director operations as persisted tasks: queued until their deployment's lock is free (one
/// task per deployment at a time; other deployments go on), processing, then done, error or
/// cancelled. Cancel takes effect at the work's next step. Every state change and event is written
/// to the store, so the list survives restarts; a task that was running when the director stopped is
/// marked as failed at the next start (its work converges when run again).
/// </summary>
public sealed class DirectorTasks
{
    /// <summary>Events kept per task (the oldest are dropped past this).</summary>
    public const int MaxEvents = 500;

    /// <summary>Ended tasks kept (the oldest are forgotten past this).</summary>
    public const int MaxKept = 1000;

    /// <summary>How often a running task's new events are written (see <see cref="AddEvent"/>).</summary>
    private static readonly TimeSpan EventWriteInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Old tasks are trimmed at every this many starts (a scan of every task is not per start).</summary>
    private const int TrimEvery = 32;

    private readonly DirectorStore _store;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<long, Running> _running = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public DirectorTasks(DirectorStore store, TimeProvider clock, ILogger log)
    {
        _store = store;
        _clock = clock;
        _log = log;
        var interrupted = new List<DirectorTaskRecord>();
        foreach (DirectorTaskRecord task in store.Tasks().Where(t => !t.Ended))
        {
            interrupted.Add(task);
            store.Begin().Put(task with
            {
                State = DirectorTaskState.Error,
                EndedAt = clock.GetUtcNow(),
                Error = "the director stopped while this task ran; its changes so far are kept — run it again to finish (deploys converge)",
            }).Commit();
        }
        Interrupted = interrupted;
    }

    /// <summary>Starts <paramref name="work"/> as a task once <paramref name="deployment"/>'s lock is free.</summary>
    /// <param name="exclusive">False for work on single instances that may run beside each other (service-group
    /// moves): it takes no lock, and an exclusive task of the deployment (a deploy) starts only once such work has ended.</param>
    public DirectorTaskRecord Start(string kind, string deployment, string description, Func<TaskContext, Task<string?>> work, bool exclusive = true)
    {
        var task = new DirectorTaskRecord(_store.NextTaskId(), kind, deployment, description, DirectorTaskState.Queued, _clock.GetUtcNow(), null, null, null, null, []);
        DirectorStore.Change change = _store.Begin().Put(task);
        if (task.Id % TrimEvery == 0)
        {
            IReadOnlyList<DirectorTaskRecord> all = _store.Tasks();
            foreach (DirectorTaskRecord old in all.Where(t => t.Ended).Take(Math.Max(0, all.Count - MaxKept)))
            {
                change.Delete(old);
            }
        }
        change.Commit();
        var running = new Running(task) { Exclusive = exclusive };
        _running[task.Id] = running;
        _ = Task.Run(() => RunAsync(running, work));
        return task;
    }

    /// <summary>Tasks queued or running now, from memory (the supervisor asks every round).</summary>
    public IReadOnlyList<DirectorTaskRecord> Active() => [.. _running.Values.Select(r => r.Record).Where(t => !t.Ended)];

    public DirectorTaskRecord? Find(long id) => _running.TryGetValue(id, out Running? running) ? running.Record : _store.Task(id);

    public IReadOnlyList<DirectorTaskRecord> List(string? deployment = null, int limit = 100) =>
        [.. _store.Tasks().Where(t => deployment is null || t.Deployment == deployment).Select(t => Find(t.Id) ?? t).Reverse().Take(limit)];

    /// <summary>Asks a task to stop at its next step; false when it has ended already.</summary>
    public bool Cancel(long id)
    {
        if (!_running.TryGetValue(id, out Running? running))
        {
            return false;
        }
        lock (running)
        {
            if (running.Record.Ended)
            {
                return false;
            }
            Save(running, running.Record with { State = DirectorTaskState.Cancelling });
        }
        running.Cancellation.Cancel();
        return true;
    }

    /// <summary>Asks a running task to pause at its next pause point (between a rollout's batches); false
    /// when it has ended (or never pauses: only work that calls <see cref="TaskContext.PausePointAsync"/> does).</summary>
    public bool Pause(long id)
    {
        if (!_running.TryGetValue(id, out Running? running) || running.Record.Ended)
        {
            return false;
        }
        running.PauseRequested = true;
        return true;
    }

    /// <summary>Lets a paused task go on (or cancels a pause asked for but not reached yet); false when it has ended.</summary>
    public bool Resume(long id)
    {
        if (!_running.TryGetValue(id, out Running? running) || running.Record.Ended)
        {
            return false;
        }
        running.PauseRequested = false;
        running.Resumed.TrySetResult();
        return true;
    }

    /// <summary>Tasks that were running when the director last stopped (marked failed at this start), with the
    /// state they were in: work that can go on by itself (a rollout) starts again from them.</summary>
    public IReadOnlyList<DirectorTaskRecord> Interrupted { get; }

    /// <summary>Waits at a pause point while the task is asked to pause: the record says paused, the events
    /// say why, and resume (or cancel) ends the wait.</summary>
    internal async Task PausePointAsync(Running running, string why)
    {
        if (!running.PauseRequested)
        {
            return;
        }
        TaskCompletionSource resumed;
        lock (running)
        {
            resumed = running.Resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            IReadOnlyList<TaskEvent> events = [.. running.Record.Events, new TaskEvent(_clock.GetUtcNow(), "paused", why, 0, 0)];
            Save(running, running.Record with { State = DirectorTaskState.Paused, Events = events });
        }
        if (!running.PauseRequested)
        {
            resumed.TrySetResult(); // resumed between the check and the save
        }
        await resumed.Task.WaitAsync(running.Cancellation.Token).ConfigureAwait(false);
        lock (running)
        {
            IReadOnlyList<TaskEvent> events = [.. running.Record.Events, new TaskEvent(_clock.GetUtcNow(), "resumed", "an operator resumed the task", 0, 0)];
            Save(running, running.Record with { State = running.Record.State == DirectorTaskState.Cancelling ? DirectorTaskState.Cancelling : DirectorTaskState.Processing, Events = events });
        }
    }

    /// <summary>Waits until the task ends (tests, CLI in process).</summary>
    public async Task<DirectorTaskRecord> WaitAsync(long id, CancellationToken cancellationToken = default)
    {
        if (_running.TryGetValue(id, out Running? running))
        {
            await running.Ended.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        return Find(id) ?? throw new DirectorException(DirectorError.NotFound, $"no task {id}");
    }

    /// <summary>Events from the <paramref name="after"/>th on, as they come, until the task ends.</summary>
    public async IAsyncEnumerable<TaskEvent> FollowAsync(long id, int after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int seen = after;
        while (true)
        {
            DirectorTaskRecord task = Find(id) ?? throw new DirectorException(DirectorError.NotFound, $"no task {id}");
            foreach (TaskEvent e in task.Events.Skip(seen))
            {
                seen++;
                yield return e;
            }
            if (task.Ended || !_running.TryGetValue(id, out Running? running))
            {
                yield break;
            }
            Task changed = running.Changed;
            if (Find(id)!.Events.Count == seen && !Find(id)!.Ended)
            {
                await changed.WaitAsync(TimeSpan.FromSeconds(15), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task RunAsync(Running running, Func<TaskContext, Task<string?>> work)
    {
        SemaphoreSlim gate = running.Exclusive ? _locks.GetOrAdd(running.Record.Deployment, _ => new SemaphoreSlim(1, 1)) : new SemaphoreSlim(1, 1);
        try
        {
            await gate.WaitAsync(running.Cancellation.Token).ConfigureAwait(false);
            while (running.Exclusive && _running.Values.Any(r => !r.Exclusive && r.Record.Deployment == running.Record.Deployment && !r.Record.Ended))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _clock, running.Cancellation.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            Finish(running, DirectorTaskState.Cancelled, null, "cancelled before it started");
            return;
        }
        try
        {
            lock (running)
            {
                Save(running, running.Record with { State = running.Record.State == DirectorTaskState.Cancelling ? DirectorTaskState.Cancelling : DirectorTaskState.Processing, StartedAt = _clock.GetUtcNow() });
            }
            string? result = await work(new TaskContext(this, running)).ConfigureAwait(false);
            Finish(running, DirectorTaskState.Done, result, null);
        }
        catch (OperationCanceledException) when (running.Cancellation.IsCancellationRequested)
        {
            Finish(running, DirectorTaskState.Cancelled, null, "cancelled by an operator; the steps done before it are kept");
        }
        catch (DirectorException refused)
        {
            Finish(running, DirectorTaskState.Error, null, refused.Message);
        }
        catch (Exception bug)
        {
            _log.LogError(bug, "task {Id} ({Kind} {Deployment}) failed", running.Record.Id, running.Record.Kind, running.Record.Deployment);
            Finish(running, DirectorTaskState.Error, null, $"internal error: {bug.Message}");
        }
        finally
        {
            gate.Release();
        }
    }

    private void Finish(Running running, DirectorTaskState state, string? result, string? error)
    {
        lock (running)
        {
            Save(running, running.Record with { State = state, EndedAt = _clock.GetUtcNow(), Result = result, Error = error });
        }
        running.Ended.TrySetResult();
        _running.TryRemove(running.Record.Id, out _);
    }

    /// <summary>
    /// Events are seen at once by whoever follows the task (they read the record in memory) but
    /// written to the store at most every <see cref="EventWriteInterval"/>, unsynced: every write
    /// carries the whole record, and a large deploy's hundreds of events would otherwise rewrite it
    /// hundreds of times. A state change writes everything; a crash loses only the latest events.
    /// </summary>
    internal void AddEvent(Running running, TaskEvent e)
    {
        lock (running)
        {
            IReadOnlyList<TaskEvent> events = running.Record.Events.Count >= MaxEvents ? [.. running.Record.Events.Skip(1), e] : [.. running.Record.Events, e];
            DirectorTaskRecord record = running.Record with { Events = events };
            if (System.Diagnostics.Stopwatch.GetElapsedTime(running.WrittenAt) >= EventWriteInterval)
            {
                Save(running, record, durable: false);
                return;
            }
            running.Record = record;
            running.SwapChanged().TrySetResult();
        }
    }

    private void Save(Running running, DirectorTaskRecord record, bool durable = true)
    {
        running.Record = record;
        _store.Begin().Put(record).Commit(durable);
        running.WrittenAt = System.Diagnostics.Stopwatch.GetTimestamp();
        TaskCompletionSource previous = running.SwapChanged();
        previous.TrySetResult();
    }

    /// <summary>A task in this process: its record, its cancellation, and a signal per change.</summary>
    internal sealed class Running(DirectorTaskRecord record)
    {
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DirectorTaskRecord Record { get; set; } = record;

        public CancellationTokenSource Cancellation { get; } = new();

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Holds its deployment's lock (see <see cref="Start"/>).</summary>
        public bool Exclusive { get; init; } = true;

        public Task Changed => Volatile.Read(ref _changed).Task;

        /// <summary>When the record was last written to the store (Stopwatch ticks).</summary>
        public long WrittenAt { get; set; }

        /// <summary>An operator asked it to pause (or the work itself did, after a rollout's canaries).</summary>
        public volatile bool PauseRequested;

        public TaskCompletionSource Resumed { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SwapChanged() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
