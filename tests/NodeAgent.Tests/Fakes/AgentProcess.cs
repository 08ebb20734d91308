using System.Collections.Concurrent;
using System.Diagnostics;
using NodeAgent.Supervision;

namespace NodeAgent.Tests.Fakes;

/// <summary>
/// The real agent as a child process (<c>dotnet ubd-agent.dll</c> from the test's output folder, or
/// the binary named by <c>UBD_AGENT_BINARY</c>, e.g. the NativeAOT one the stem cell carries), with
/// short restart delays, its output kept for assertions and failure messages.
/// </summary>
public sealed class AgentProcess : IDisposable
{
    public const string Mac = "52:54:00:12:34:56";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue("stderr: " + e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public static AgentProcess Start(Uri director, string data, params string[] extra) => Start(director, data, logTo: null, extra);

    /// <summary>With <paramref name="logTo"/>, the agent's output goes to that file (a stalled pipe, say) through a shell redirect, not to <see cref="Output"/>.</summary>
    public static AgentProcess Start(Uri director, string data, string? logTo, string[] extra)
    {
        var binary = Environment.GetEnvironmentVariable("UBD_AGENT_BINARY");
        var program = string.IsNullOrEmpty(binary) ? "dotnet" : binary;
        var start = new ProcessStartInfo(logTo is null ? program : "/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            .. logTo is null ? Array.Empty<string>() : ["-c", "exec \"$@\" >\"$UBD_TEST_LOG\" 2>&1", "sh", program],
            .. string.IsNullOrEmpty(binary) ? [Path.Combine(AppContext.BaseDirectory, "ubd-agent.dll")] : Array.Empty<string>(),
            "--director", director.ToString(), "--credential", FakeDirector.Credential, "--mac", Mac,
            "--data", data, "--restart-base-ms", "100", "--console", Path.Combine(data, "..", "console"),
            .. extra,
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (logTo is not null)
        {
            start.Environment["UBD_TEST_LOG"] = logTo;
        }

        return new AgentProcess(Process.Start(start)!);
    }

    /// <summary>SIGKILL: the agent dies without any say; its jobs keep running in their own sessions.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>Kills the agent and every job group named in its data directory's pid files.</summary>
    public static void KillJobs(string data)
    {
        var instances = Path.Combine(data, "instances");
        if (!Directory.Exists(instances))
        {
            return;
        }

        foreach (var pidFile in Directory.GetFiles(instances, "*.pid", SearchOption.AllDirectories))
        {
            if (ProcessIdentity.TryParse(File.ReadAllText(pidFile)) is { } identity && ProcessGroup.IsAlive(identity))
            {
                ProcessGroup.Signal(identity.Pid, ProcessGroup.SigKill);
            }
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
