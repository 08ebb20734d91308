namespace UnionBlock.Store;

/// <summary>
/// Named points inside tree operations where crash tests stop the process. A test sets
/// <see cref="Crash"/>; in production it is null and a point costs one comparison.
/// </summary>
public static class Fault
{
    private static readonly AsyncLocal<Action<string>?> s_crash = new();

    /// <summary>Called at every point with its name; a crash test throws from it to stop the
    /// operation there, as kill -9 would (nothing after the point runs). Flows with the caller's
    /// async context only, so tests running beside each other do not see each other's.</summary>
    public static Action<string>? Crash
    {
        get => s_crash.Value;
        set => s_crash.Value = value;
    }

    /// <summary>The environment variable that makes the process exit at the named point (tests
    /// that kill a real server use it).</summary>
    public const string EnvironmentVariable = "UBD_CRASH_AT";

    private static readonly string? s_exitAt = Environment.GetEnvironmentVariable(EnvironmentVariable);

    public static void Point(string name)
    {
        Crash?.Invoke(name);
        if (s_exitAt is not null && s_exitAt == name)
        {
            System.Diagnostics.Process.GetCurrentProcess().Kill(); // SIGKILL: nothing else runs
        }
    }
}
