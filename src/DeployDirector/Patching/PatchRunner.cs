using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeployDirector.Contracts;
using DeployDirector.Providers;
using DeployDirector.Providers.Qemu;
using DeployDirector.Running;
using DeployDirector.State;
using DeployDirector.Tasks;
using ImageTree.Tree;
using Microsoft.Extensions.Logging;
using UnionBlock.Store;

namespace DeployDirector.Patching;

/// <summary>
/// Scripted root-image patches. A patch is a task: a worker VM boots on a fresh leaf over the lineage's
/// latest edition (<c>ubd.worker=1</c>: its own state stays in memory), its agent runs the operator's
/// <c>patch.sh</c> and powers the VM off, and the leaf — which then holds exactly the blocks the script
/// changed — is frozen into the lineage's next edition, labelled with what made it. A failing script,
/// a timeout, a worker that never comes up or dies, or a cancel publishes nothing: the worker and its
/// leaf are deleted and the error carries the script's output.
/// One patch per lineage at a time (the task lock is the lineage's); patches of other lineages and
/// deployments go on beside it.
/// </summary>
public sealed class PatchRunner
{
    /// <summary>The largest patch archive (script and files) accepted.</summary>
    public const long MaxArchiveBytes = 256L << 20;

    public static readonly TimeSpan DefaultScriptTimeout = TimeSpan.FromMinutes(10);

    public static readonly TimeSpan MaxScriptTimeout = TimeSpan.FromHours(6);

    /// <summary>How long a worker may take from launch to its agent's registration (software emulation).</summary>
    public static readonly TimeSpan BootBudget = TimeSpan.FromMinutes(5);

    /// <summary>How long the worker may take to sync and power off once the script has answered.</summary>
    public static readonly TimeSpan PowerOffBudget = TimeSpan.FromMinutes(2);

    private readonly DirectorContext _director;

    public PatchRunner(DirectorContext director)
    {
        _director = director;
        // Workers of patches that were running when the server stopped: their tasks are failed at start,
        // so their VMs and leaves go too (nothing of theirs was published).
        _ = Task.Run(ReleaseLeftoverWorkersAsync);
    }

    /// <summary>The task-lock name of a lineage's patches.</summary>
    public static string LockOf(string lineage) => "image:" + lineage;

    /// <summary>Checks the request and the archive, stores the archive, and starts the patch task.</summary>
    public DirectorTaskRecord Start(string lineage, Stream archive, TimeSpan? scriptTimeout)
    {
        TimeSpan timeout = scriptTimeout ?? DefaultScriptTimeout;
        if (timeout < TimeSpan.FromSeconds(1) || timeout > MaxScriptTimeout)
        {
            throw new DirectorException(DirectorError.Invalid, $"the script timeout must be between 1 s and {MaxScriptTimeout.TotalHours:0} h");
        }
        LayerRecord parent = _director.Tree.LatestEdition(lineage)
            ?? throw new DirectorException(DirectorError.NotFound, $"no lineage named '{lineage}'; 'ubd image editions' lists them");
        PatchArchive contents = PatchArchive.Read(archive, MaxArchiveBytes);
        QemuProvider workers = _director.Workers ?? throw new DirectorException(DirectorError.Unavailable,
            "patches run in a worker VM that a running server launches from its boot files: start 'ubd serve --boot-files DIR --boot-edition EDITION' (the stem cell's kernel and initramfs) and patch with --server");
        archive.Position = 0;
        string sha = _director.Archives.PutPatch(archive);
        var plan = new PatchPlan(lineage, parent.Name, sha, archive.Length, contents, timeout);
        return _director.Tasks.Start("patch", LockOf(lineage), $"patch {lineage} (over {parent.Name}) with script {contents.ScriptSha256[..12]}",
            task => RunAsync(task, workers, plan));
    }

    private async Task<string?> RunAsync(TaskContext task, QemuProvider workers, PatchPlan plan)
    {
        // The latest edition may have moved while the task waited for the lineage's lock.
        string parent = _director.Tree.LatestEdition(plan.Lineage)?.Name
            ?? throw new DirectorException(DirectorError.NotFound, $"the lineage '{plan.Lineage}' was deleted before the patch started");
        task.Step("worker", $"launching a worker VM on a fresh leaf over {parent}");
        string mac = Tree(() => workers.LaunchWorker(parent));
        bool published = false;
        try
        {
            string leaf = Tree(() => _director.Tree.Node(mac).Leaf);
            var clock = Stopwatch.StartNew();
            await WaitForAgentAsync(task, workers, mac).ConfigureAwait(false);
            double bootSeconds = clock.Elapsed.TotalSeconds;
            task.Step("worker", string.Create(CultureInfo.InvariantCulture, $"worker {mac} booted in {bootSeconds:0.0} s; running patch.sh (at most {plan.ScriptTimeout.TotalSeconds:0} s)"));

            _director.Grants.Grant(mac, plan.ArchiveSha256);
            clock.Restart();
            CommandResult result = await RunScriptAsync(task, workers, mac, plan).ConfigureAwait(false);
            double scriptSeconds = clock.Elapsed.TotalSeconds;
            _director.Grants.Revoke(mac, plan.ArchiveSha256);
            if (!result.Ok)
            {
                throw new DirectorException(DirectorError.Unavailable, Failure(result, plan));
            }
            task.Step("script", string.Create(CultureInfo.InvariantCulture, $"patch.sh exited with code 0 after {scriptSeconds:0.0} s"));

            await WaitForPowerOffAsync(task, workers, mac).ConfigureAwait(false);
            // Other ways of publishing (an import, a reconcile) do not take the lineage's patch lock: an
            // edition published meanwhile would be silently dropped from "latest" by this one.
            if (_director.Tree.LatestEdition(plan.Lineage)?.Name is { } latest && latest != parent)
            {
                throw new DirectorException(DirectorError.Conflict,
                    $"{latest} was published while the patch ran over {parent}, so this patch would drop it; nothing was published: patch again (it runs over {latest})");
            }
            task.Step("publish", $"the worker powered off; freezing its leaf into the next edition of {plan.Lineage}");
            LayerRecord edition = Tree(() => _director.Tree.Freeze(leaf, plan.Lineage));
            published = true;
            Tree(() => _director.Tree.Update(edition.Name, new LayerPatch { Labels = plan.Provenance(parent, mac, result.Output ?? "") }));
            long stored = _director.Tree.Space(edition.Name).WrittenBytes;
            task.Step("publish", $"published {edition.Name} over {parent}: {stored} bytes of changed blocks stored");
            return JsonSerializer.Serialize(new PatchOutcome(edition.Name, parent, plan.Lineage, mac, stored, 0, result.Output ?? "",
                Math.Round(bootSeconds, 1), Math.Round(scriptSeconds, 1), plan.Contents.ScriptSha256, plan.Contents.Files.Count, plan.Contents.FilesSha256), Api.DirectorJson.Options);
        }
        finally
        {
            _director.Grants.Revoke(mac, plan.ArchiveSha256);
            // Published or not, the worker is done: its VM goes, and so does its leaf (empty over the new
            // edition after a freeze; the failed attempt's writes otherwise).
            NodeRelease release = await workers.ReleaseAsync(mac, deleteLeaf: true, CancellationToken.None).ConfigureAwait(false);
            _director.Hub.Remove(mac);
            _director.Log.LogInformation("patch of {Lineage}: worker {Mac} released ({Said}){Published}", plan.Lineage, mac, release.Said, published ? "" : "; nothing published");
        }
    }

    private async Task WaitForAgentAsync(TaskContext task, QemuProvider workers, string mac)
    {
        var waited = Stopwatch.StartNew();
        while (!_director.Hub.IsAlive(mac))
        {
            if (workers.HasStopped(mac))
            {
                throw new DirectorException(DirectorError.Unavailable, $"the worker VM {mac} stopped before its agent registered. Its console ended with:\n{ConsoleTail(workers, mac)}");
            }
            if (waited.Elapsed > BootBudget)
            {
                throw new DirectorException(DirectorError.Unavailable,
                    $"the worker {mac} did not register within {BootBudget.TotalMinutes:0} min (does the edition hold the stem cell's agent?). Its console ended with:\n{ConsoleTail(workers, mac)}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), task.Cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Sends run_patch and waits for its result, watching the VM meanwhile: a worker that dies
    /// mid-script (a crash, a script that powered it off) fails the patch at once, not after the timeout.</summary>
    private async Task<CommandResult> RunScriptAsync(TaskContext task, QemuProvider workers, string mac, PatchPlan plan)
    {
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(task.Cancellation);
        Task<CommandResult> sending = _director.Hub.SendAsync(mac, new AgentCommand
        {
            Id = InstanceApplier.NewId(),
            Kind = CommandKind.RunPatch,
            ArchiveSha256 = plan.ArchiveSha256,
            ArchiveBytes = plan.ArchiveBytes,
            TimeoutMs = (int)plan.ScriptTimeout.TotalMilliseconds,
        }, plan.ScriptTimeout + TimeSpan.FromMinutes(6), watch.Token);
        while (!sending.IsCompleted)
        {
            if (workers.HasStopped(mac))
            {
                // It may have answered just before it went: a result that arrives within a moment still counts.
                if (await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false) == sending)
                {
                    break;
                }
                await watch.CancelAsync().ConfigureAwait(false);
                throw new DirectorException(DirectorError.Unavailable,
                    $"the worker {mac} stopped while patch.sh ran (it crashed, or the script powered it off); nothing was published. Its console ended with:\n{ConsoleTail(workers, mac)}");
            }
            await Task.WhenAny(sending, Task.Delay(TimeSpan.FromMilliseconds(500), task.Cancellation)).ConfigureAwait(false);
            task.Cancellation.ThrowIfCancellationRequested();
        }
        return await sending.ConfigureAwait(false);
    }

    private static string ConsoleTail(QemuProvider workers, string mac)
    {
        try
        {
            using var stream = new FileStream(workers.ConsoleOf(mac), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join('\n', reader.ReadToEnd().Split('\n').Where(l => !l.StartsWith("UNIONBLOCK: heartbeat ", StringComparison.Ordinal)).TakeLast(12));
        }
        catch (IOException)
        {
            return "(no console log)";
        }
    }

    private static async Task WaitForPowerOffAsync(TaskContext task, QemuProvider workers, string mac)
    {
        var waited = Stopwatch.StartNew();
        while (!workers.HasStopped(mac))
        {
            if (waited.Elapsed > PowerOffBudget)
            {
                throw new DirectorException(DirectorError.Unavailable,
                    $"the worker {mac} ran the script but did not power off within {PowerOffBudget.TotalMinutes:0} min, so its disk may be incomplete: nothing published");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), task.Cancellation).ConfigureAwait(false);
        }
    }

    private static string Failure(CommandResult result, PatchPlan plan)
    {
        string why = result.Refusal switch
        {
            "timeout" when result.ExitCode is null && result.Output is not null => $"patch.sh did not finish within {plan.ScriptTimeout.TotalSeconds:0} s",
            "timeout" or "agent_gone" => $"the worker stopped answering ({result.Error}); it may have crashed",
            _ => result.Error ?? "the worker refused the patch",
        };
        string output = string.IsNullOrEmpty(result.Output) ? "(patch.sh printed nothing)" : result.Output.TrimEnd();
        return $"{why}; nothing was published. Output of patch.sh:\n{output}";
    }

    private async Task ReleaseLeftoverWorkersAsync()
    {
        if (_director.Workers is not { } workers)
        {
            return;
        }
        foreach (NodeAgentRecord node in _director.Nodes.All().Where(n => n.Worker))
        {
            try
            {
                NodeRelease release = await workers.ReleaseAsync(node.Mac, deleteLeaf: true, CancellationToken.None).ConfigureAwait(false);
                _director.Log.LogInformation("patch worker {Mac} left by an earlier run released: {Said}", node.Mac, release.Said);
            }
            catch (Exception e) when (e is StoreException or IOException or DirectorException)
            {
                _director.Log.LogWarning("patch worker {Mac} left by an earlier run could not be released: {Error}", node.Mac, e.Message);
            }
        }
    }

    /// <summary>Tree refusals (a protected leaf, a name taken) become the task's error, said as the tree said it.</summary>
    private static T Tree<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (StoreException refused)
        {
            throw new DirectorException(DirectorError.Conflict, refused.Message);
        }
    }
}
