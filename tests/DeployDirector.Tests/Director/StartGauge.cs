namespace DeployDirector.Tests.Director;

/// <summary>
/// Counts starts in flight across agents. Each start waits until <c>fullAt</c> are in flight together
/// (so a batch that respects the bound fills it, and one that breaks it shows more), or 10 s.
/// </summary>
public sealed class StartGauge(int fullAt)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _full = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;

    public int Most { get; private set; }

    public async Task EnterAsync()
    {
        Task full;
        lock (_lock)
        {
            _inFlight++;
            Most = Math.Max(Most, _inFlight);
            if (_inFlight >= fullAt)
            {
                _full.TrySetResult();
            }
            full = _full.Task;
        }
        try
        {
            await full.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        lock (_lock)
        {
            if (--_inFlight == 0)
            {
                _full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}
