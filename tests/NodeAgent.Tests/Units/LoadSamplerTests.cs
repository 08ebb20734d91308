using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using NodeAgent.Host;

namespace NodeAgent.Tests.Units;

/// <summary>Load figures from a fake proc root: CPU as a 0..1 share of all cores between samples, memory, job loads.</summary>
public sealed class LoadSamplerTests : IDisposable
{
    private readonly string _proc = Directory.CreateTempSubdirectory("ubd-proc-").FullName;

    public void Dispose() => Directory.Delete(_proc, recursive: true);

    [Fact]
    public void Cpu_is_the_busy_share_of_the_jiffies_between_two_samples() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 5_000).Four()), jiffies =>
        {
            var (busy, idle, moreBusy, moreIdle) = jiffies;
            var sampler = new LoadSampler(_proc);
            WriteStat(busy, idle);
            var first = sampler.CpuShare(cores: 4);
            WriteStat(busy + moreBusy, idle + moreIdle);
            var second = sampler.CpuShare(cores: 4);

            Assert.InRange(first, 0, 1);
            Assert.InRange(second, 0, 1);
            Assert.Equal(busy + idle == 0 ? 0 : (double)busy / (busy + idle), first, 9);
            var expected = moreBusy + moreIdle == 0 ? first : (double)moreBusy / (moreBusy + moreIdle);
            Assert.Equal(expected, second, 9);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Every_busy_column_counts_iowait_counts_as_idle_and_guest_time_is_not_counted_twice()
    {
        var sampler = new LoadSampler(_proc);

        // user nice system idle iowait irq softirq steal guest guest_nice
        File.WriteAllText(Path.Combine(_proc, "stat"), "cpu  10 20 30 100 40 5 5 10 99 99\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1\n");

        Assert.Equal(80.0 / 220, sampler.CpuShare(cores: 2), 9);
    }

    [Fact]
    public void Without_proc_stat_the_load_average_per_core_stands_in_held_to_one()
    {
        var sampler = new LoadSampler(_proc);
        File.WriteAllText(Path.Combine(_proc, "loadavg"), "1.50 0.80 0.20 2/300 1234\n");
        Assert.Equal(0.375, sampler.CpuShare(cores: 4), 9);
        Assert.Equal(1, sampler.CpuShare(cores: 1));
        File.WriteAllText(Path.Combine(_proc, "stat"), "garbage\n");
        Assert.Equal(0.75, sampler.CpuShare(cores: 2), 9);
        File.Delete(Path.Combine(_proc, "loadavg"));
        Assert.Equal(0, sampler.CpuShare(cores: 2));
    }

    [Fact]
    public void Memory_comes_from_meminfo_total_and_available()
    {
        File.WriteAllText(Path.Combine(_proc, "meminfo"), "MemTotal:        2048 kB\nMemFree:          100 kB\nMemAvailable:     512 kB\nBuffers:            8 kB\n");
        var sampler = new LoadSampler(_proc);
        File.WriteAllText(Path.Combine(_proc, "stat"), "cpu 1 0 1 2 0 0 0 0 0 0\n");

        var report = sampler.Sample(cores: 3, []);

        Assert.Equal((2048L * 1024, 512L * 1024), sampler.Memory());
        Assert.Equal(2048L * 1024, report.MemoryTotalBytes);
        Assert.Equal(1536L * 1024, report.MemoryUsedBytes);
        Assert.Equal(3, report.Cores);
        Assert.Equal(0.5, report.CpuLoad, 9);
        Assert.Null(report.JobLoad);
    }

    [Fact]
    public void Job_load_is_the_highest_well_formed_figure_and_garbage_is_ignored()
    {
        string[] contents = ["0.4\n", "0.25", "garbage", "7", "-0.1", "NaN", "Infinity", "", new string('1', 100), "0.9 0.9"];
        var directories = contents.Select((text, i) =>
        {
            var directory = Directory.CreateDirectory(Path.Combine(_proc, $"job{i}")).FullName;
            File.WriteAllText(Path.Combine(directory, "load"), text);
            return directory;
        }).Append(Path.Combine(_proc, "no-such-job")).ToList();

        Assert.Equal(0.4, LoadSampler.JobLoad(directories));
        Assert.Null(LoadSampler.JobLoad(directories.Skip(2)));
        Assert.Null(LoadSampler.JobLoad([]));
    }

    [Fact]
    public void Job_load_is_the_maximum_of_any_figures_in_range() =>
        Prop.ForAll(Arb.From(Gen.ListOf(Gen.Choose(0, 1000))), permille =>
        {
            var root = Directory.CreateTempSubdirectory("ubd-jobs-").FullName;
            try
            {
                var directories = permille.Select((value, i) =>
                {
                    var directory = Directory.CreateDirectory(Path.Combine(root, i.ToString(CultureInfo.InvariantCulture))).FullName;
                    File.WriteAllText(Path.Combine(directory, "load"), (value / 1000.0).ToString(CultureInfo.InvariantCulture));
                    return directory;
                }).ToList();

                Assert.Equal(permille.Count == 0 ? null : permille.Max() / 1000.0, LoadSampler.JobLoad(directories));
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }).QuickCheckThrowOnFailure();

    private void WriteStat(long busy, long idle) =>
        File.WriteAllText(Path.Combine(_proc, "stat"), string.Create(CultureInfo.InvariantCulture, $"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 {busy} 0 0 {idle} 0 0 0 0 0 0\n"));
}
