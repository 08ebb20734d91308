using System.Globalization;

namespace NodeAgent.Host;

/// <summary>The aggregate <c>cpu</c> line of /proc/stat: jiffies spent busy and in all, summed over every core.</summary>
internal readonly record struct CpuTimes(long Busy, long Total)
{
    /// <summary>Reads the first line of /proc/stat (<c>cpu user nice system idle iowait irq softirq steal guest guest_nice</c>).</summary>
    /// <returns>The times, or null when the text has no such line.</returns>
    public static CpuTimes? TryParse(string stat)
    {
        var end = stat.IndexOf('\n', StringComparison.Ordinal);
        var words = (end < 0 ? stat : stat[..end]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 5 || words[0] != "cpu")
        {
            return null;
        }

        // proc(5): guest and guest_nice are already counted in user and nice, so they are left out of the sum.
        long total = 0, idle = 0;
        for (var i = 1; i < Math.Min(words.Length, 9); i++)
        {
            if (!long.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out var jiffies))
            {
                return null;
            }

            total += jiffies;
            if (i is 4 or 5)
            {
                idle += jiffies;
            }
        }

        return new CpuTimes(total - idle, total);
    }

    /// <summary>The busy share (0..1) of the time from <paramref name="earlier"/> to this sample, null when no time passed.</summary>
    public double? ShareSince(CpuTimes earlier)
    {
        var total = Total - earlier.Total;
        var busy = Busy - earlier.Busy;
        return total > 0 ? Math.Clamp((double)busy / total, 0, 1) : null;
    }
}
