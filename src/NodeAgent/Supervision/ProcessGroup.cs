using System.Globalization;
using System.Runtime.InteropServices;

namespace NodeAgent.Supervision;

/// <summary>
/// Signals to a job's whole process group (jobs start as session leaders through <c>setsid</c>, so
/// the group id is the job's pid), and a look at /proc to tell a live process from a dead or reused pid.
/// </summary>
internal static partial class ProcessGroup
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>Sends <paramref name="signal"/> to every process of the group led by <paramref name="leader"/>.</summary>
    public static bool Signal(int leader, int signal) => leader > 1 && Kill(-leader, signal) == 0;

    /// <summary>The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or null when it
    /// is gone or a zombie. Together with the pid it names one process even after pids wrap.</summary>
    public static long? StartTime(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) may hold spaces and parentheses: fields after it start past the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 20 || fields[0] is "Z" or "X")
        {
            return null;
        }

        return long.TryParse(fields[19], CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    public static bool IsAlive(ProcessIdentity identity) => StartTime(identity.Pid) == identity.StartTime;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
