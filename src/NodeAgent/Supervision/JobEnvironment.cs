using System.Diagnostics;
using System.Globalization;
using NodeAgent.State;

namespace NodeAgent.Supervision;

/// <summary>What every job script sees: its directory, its instance, the instance's packages, and where its
/// service group's <c>group.json</c> is (the file exists once the director has sent one).</summary>
internal sealed record JobEnvironment(string InstanceId, int InstanceIndex, string JobDirectory, string PackagesDirectory, string GroupFile)
{
    public static JobEnvironment For(AgentPaths paths, string instanceId, int index, string job) =>
        new(instanceId, index, paths.Job(instanceId, job), paths.Packages(instanceId), paths.GroupFile(instanceId));

    /// <summary>A <c>/bin/sh</c> start of <paramref name="script"/> as a session leader (its pid is its group id),
    /// stdin from /dev/null, stdout and stderr to <paramref name="appendTo"/> or, when null, one pipe.</summary>
    public ProcessStartInfo StartInfo(string script, string? appendTo)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = JobDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = appendTo is null,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(appendTo is null
            ? "exec setsid \"$0\" < /dev/null 2>&1"
            : "exec setsid \"$0\" < /dev/null >> \"$1\" 2>&1");
        start.ArgumentList.Add(script);
        if (appendTo is not null)
        {
            start.ArgumentList.Add(appendTo);
        }

        start.Environment["UBD_JOB_DIR"] = JobDirectory;
        start.Environment["UBD_INSTANCE_ID"] = InstanceId;
        start.Environment["UBD_INSTANCE_INDEX"] = InstanceIndex.ToString(CultureInfo.InvariantCulture);
        start.Environment["UBD_PACKAGES_DIR"] = PackagesDirectory;
        start.Environment["UBD_GROUP_FILE"] = GroupFile;
        return start;
    }

    public string Script(string name) => Path.Combine(JobDirectory, "bin", name);
}
