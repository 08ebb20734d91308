using System.Globalization;
using DeployDirector.Contracts;
using NodeAgent.Config;

namespace NodeAgent.Host;

/// <summary>
/// The figures of a <see cref="LoadReport"/>, read from a proc root (<c>/proc</c>; tests give a folder of fake
/// files): CPU as the busy share of every core between two samples (/proc/stat), memory from /proc/meminfo,
/// and the highest figure running jobs write to their <c>load</c> file. Used by one heartbeat loop at a time.
/// </summary>
internal sealed class LoadSampler(string procRoot)
{
    /// <summary>Most bytes read of a job's <c>load</c> file: a number, nothing a job could make the agent buffer.</summary>
    private const int MaxLoadFileBytes = 64;

    private CpuTimes? _previous;
    private double _lastShare;

    public LoadReport Sample(int cores, IEnumerable<string> jobDirectories)
    {
        var (total, available) = Memory();
        return new LoadReport(CpuShare(cores), cores, Math.Max(0, total - available), total, JobLoad(jobDirectories));
    }

    /// <summary>MemTotal and MemAvailable in bytes (0 when unknown).</summary>
    public (long Total, long Available) Memory()
    {
        long total = 0, available = 0;
        foreach (var line in Read("meminfo").Split('\n'))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                total = Kibibytes(line);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                available = Kibibytes(line);
            }
        }

        return (total, available);
    }

    /// <summary>The busy share of all cores since the previous sample (since boot for the first one). Without a
    /// readable /proc/stat, the one-minute load average per core stands in, held to 0..1.</summary>
    public double CpuShare(int cores)
    {
        if (CpuTimes.TryParse(Read("stat")) is not { } now)
        {
            var words = Read("loadavg").Split(' ');
            return double.TryParse(words[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) && double.IsFinite(load)
                ? Math.Clamp(load / Math.Max(1, cores), 0, 1)
                : 0;
        }

        // Two samples within one clock tick see no time pass: the last share still holds.
        _lastShare = now.ShareSince(_previous ?? default) ?? _lastShare;
        _previous = now;
        return _lastShare;
    }

    /// <summary>The highest figure in the jobs' <c>load</c> files; a missing file, a non-number or one outside 0..1 is ignored.</summary>
    public static double? JobLoad(IEnumerable<string> jobDirectories)
    {
        double? highest = null;
        foreach (var directory in jobDirectories)
        {
            var text = ReadHead(Path.Combine(directory, "load"));
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1)
            {
                highest = Math.Max(highest ?? 0, value);
            }
        }

        return highest;
    }

    private string Read(string name) => KernelCommandLine.ReadOrEmpty(Path.Combine(procRoot, name));

    private static string ReadHead(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            Span<byte> buffer = stackalloc byte[MaxLoadFileBytes];
            var read = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);

            // A longer file is not a number: reading its head would make one of it.
            return read < buffer.Length ? System.Text.Encoding.UTF8.GetString(buffer[..read]).Trim() : "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static long Kibibytes(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length > 1 && long.TryParse(words[1], CultureInfo.InvariantCulture, out var kib) ? kib * 1024 : 0;
    }
}
