namespace NodeAgent.State;

/// <summary>
/// The agent's data directory: everything it must remember across its own restarts.
/// <c>epochs/ID</c> (highest accepted epoch; kept after removal so fencing outlives the files),
/// <c>staging/ID/EPOCH/</c> (a prepared archive), <c>instances/ID/{state.json,group.json,current/,run/}</c> and
/// <c>logs/ID/JOB.log</c>.
/// </summary>
internal sealed class AgentPaths(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string Epochs => Path.Combine(Root, "epochs");

    public string Instances => Path.Combine(Root, "instances");

    public string Instance(string id) => Path.Combine(Instances, Safe(id));

    public string InstanceState(string id) => Path.Combine(Instance(id), "state.json");

    /// <summary>The instance's service group as last pushed (update_group); outside current/, so an apply keeps it.</summary>
    public string GroupFile(string id) => Path.Combine(Instance(id), "group.json");

    public string Current(string id) => Path.Combine(Instance(id), "current");

    public string Job(string id, string job) => Path.Combine(Current(id), "jobs", Safe(job));

    public string Packages(string id) => Path.Combine(Current(id), "packages");

    public string PidFile(string id, string job) => Path.Combine(Instance(id), "run", Safe(job) + ".pid");

    public string Staging(string id) => Path.Combine(Root, "staging", Safe(id));

    public string Stage(string id, long epoch) => Path.Combine(Staging(id), epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string Logs(string id) => Path.Combine(Root, "logs", Safe(id));

    public string Log(string id, string job) => Path.Combine(Logs(id), Safe(job) + ".log");

    /// <summary>Ids and job names come from the director; they name directories, so they may not climb out.</summary>
    public static string Safe(string name)
    {
        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\', '\0']) >= 0)
        {
            throw new ArgumentException($"'{name}' cannot name a directory", nameof(name));
        }

        return name;
    }

    /// <summary>Writes through a temporary file and a rename, so a crash leaves the old or the new contents.</summary>
    public static void WriteAtomically(string path, string contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
