using System.Diagnostics;
using NodeAgent.Supervision;
using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests.Units;

public sealed class LogRotationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ubd-logs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_large_log_moves_to_dot_1_and_the_jobs_open_descriptor_carries_on_at_the_start()
    {
        var log = Path.Combine(_root, "job.log");

        // A job holds its log open the way the supervisor opens it: the shell's >> (O_APPEND).
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var argument in new[] { "-c", "exec >> \"$0\"; head -c 116 /dev/zero; while [ ! -e \"$0.go\" ]; do sleep 0.05; done; echo next line", log })
        {
            start.ArgumentList.Add(argument);
        }

        using var job = Process.Start(start)!;
        await Eventually.TrueAsync(() => File.Exists(log) && new FileInfo(log).Length == 116, TimeSpan.FromSeconds(10), "the job's first output");

        Assert.False(LogRotation.RotateIfLarge(log, maxBytes: 116));
        Assert.True(LogRotation.RotateIfLarge(log, maxBytes: 100));
        File.WriteAllText(log + ".go", "");
        await job.WaitForExitAsync();

        Assert.Equal(116, new FileInfo(log + ".1").Length);
        Assert.Equal("next line\n", File.ReadAllText(log));
        Assert.Equal("line\n"u8.ToArray(), LogRotation.Tail(log, 5));
        Assert.Empty(LogRotation.Tail(Path.Combine(_root, "none.log"), 5));
    }
}
