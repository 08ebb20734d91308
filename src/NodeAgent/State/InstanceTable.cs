using System.Collections.Concurrent;
using System.Text.Json;
using DeployDirector.Contracts;
using NodeAgent.Config;

namespace NodeAgent.State;

/// <summary>Every instance this node holds, loaded from the data directory at start.</summary>
internal sealed class InstanceTable(AgentPaths paths, AgentOptions options)
{
    private readonly ConcurrentDictionary<string, InstanceRuntime> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public AgentPaths Paths => paths;

    /// <summary>
    /// Reads every instance's state; within the same boot, running ones get their jobs supervised
    /// again (live processes adopted). After a reboot nothing starts until the director says so: while
    /// the node was away its instances may have moved to other nodes under newer epochs, and a node
    /// that came back must not run them there too. They are reported stopped; the director restarts
    /// the ones still its own.
    /// </summary>
    public void Load(TextWriter log, string bootId)
    {
        var bootFile = Path.Combine(paths.Root, "boot_id");
        var previousBoot = File.Exists(bootFile) ? File.ReadAllText(bootFile).Trim() : null;
        AgentPaths.WriteAtomically(bootFile, bootId);
        var rebooted = previousBoot is not null && previousBoot != bootId;
        if (!Directory.Exists(paths.Instances))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(paths.Instances))
        {
            var file = Path.Combine(directory, "state.json");
            try
            {
                var state = JsonSerializer.Deserialize(File.ReadAllText(file), AgentJson.Default.InstanceState);
                if (state is null)
                {
                    continue;
                }

                var runtime = new InstanceRuntime(paths, options, state);
                runtime.LoadSpec();
                _instances[runtime.Id] = runtime;
                if (state.Phase is InstancePhase.Running or InstancePhase.Failing && runtime.Spec is not null)
                {
                    if (rebooted)
                    {
                        runtime.Record(state.Instance, null, InstancePhase.Stopped);
                        log.WriteLine($"ubd-agent: {state.Instance} not started after a reboot: it waits for the director");
                    }
                    else
                    {
                        runtime.StartJobs();
                    }
                }
            }
            catch (Exception e) when (e is IOException or JsonException or ArgumentException)
            {
                log.WriteLine($"ubd-agent: skipping {directory}: {e.Message}");
            }
        }
    }

    /// <summary>Serializes work on one instance: commands in order, and the agent's own stops (lease, reboot).</summary>
    public SemaphoreSlim GateFor(string id) => _gates.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));

    public InstanceRuntime? Find(string id) => _instances.GetValueOrDefault(id);

    public InstanceRuntime GetOrAdd(InstanceRef instance, string phase) =>
        _instances.GetOrAdd(instance.Id, _ =>
        {
            var runtime = new InstanceRuntime(paths, options, new InstanceState { Instance = instance, ArchiveSha256 = "", Phase = phase });
            runtime.Record(instance, null, phase);
            return runtime;
        });

    public void Forget(string id) => _instances.TryRemove(id, out _);

    public IReadOnlyList<InstanceRuntime> All => [.. _instances.Values.OrderBy(runtime => runtime.Id, StringComparer.Ordinal)];

    public IReadOnlyList<InstanceState> Snapshot() => [.. All.Select(runtime => runtime.Snapshot())];

    /// <summary>Stops the jobs of every instance (lease expiry, reboot), each under its gate.</summary>
    public async Task StopAllAsync(CancellationToken cancellation)
    {
        await Task.WhenAll(All.Select(async runtime =>
        {
            var gate = GateFor(runtime.Id);
            await gate.WaitAsync(cancellation).ConfigureAwait(false);
            try
            {
                if (runtime.HasRunningJobs)
                {
                    await runtime.StopJobsAsync().ConfigureAwait(false);
                    runtime.Record(runtime.Ref, null, InstancePhase.Stopped);
                }
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
    }
}
