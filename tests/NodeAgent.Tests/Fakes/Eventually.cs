using System.Diagnostics;

namespace NodeAgent.Tests.Fakes;

/// <summary>Waits on a condition with a deadline (no test sleeps for correctness).</summary>
public static class Eventually
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(50);

    public static async Task<T> ValueAsync<T>(Func<T?> probe, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"no {what} within {timeout.TotalSeconds} s");
            }

            await Task.Delay(s_poll);
        }
    }

    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        await ValueAsync(() => condition() ? "" : null, timeout, what);
    }
}
