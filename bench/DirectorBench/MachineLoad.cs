using System.Globalization;

namespace DirectorBench;

/// <summary>The machine's 1-minute load average: other work on the same cores (builds, other benchmarks)
/// shows in every latency here, so each run records how busy the machine was.</summary>
internal static class MachineLoad
{
    public static double OneMinute()
    {
        try
        {
            string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}
