using System.Formats.Tar;
using DeployDirector.Contracts;
using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests;

/// <summary>prepare, apply, start through the real agent; refused archives; fencing by epoch.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Prepare_apply_start_runs_the_job_with_its_environment()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("web-0", epoch: 1, index: 3);
        var env = session.Marker("env");
        var archive = new ArchiveBuilder(instance)
            .Job("server", ("run", $"echo \"$UBD_INSTANCE_ID $UBD_INSTANCE_INDEX $PWD $UBD_JOB_DIR $UBD_PACKAGES_DIR\" > {env}.tmp && mv {env}.tmp {env}\necho 0.25 > \"$UBD_JOB_DIR/load\"\nexec sleep 600"))
            .File("packages/tool/version", "1.0");

        var started = await session.DeployAsync(archive, instance);

        Assert.Equal(InstancePhase.Running, started.State!.Phase);
        var pids = await session.WaitRunningAsync("web-0");
        await Eventually.TrueAsync(() => File.Exists(env), AgentSession.Timeout, "the job's environment file");
        var words = File.ReadAllText(env).Trim().Split(' ');
        var jobDirectory = Path.Combine(session.Data, "instances", "web-0", "current", "jobs", "server");
        Assert.Equal(["web-0", "3", jobDirectory, jobDirectory, Path.Combine(session.Data, "instances", "web-0", "current", "packages")], words);
        Assert.NotNull(NodeAgent.Supervision.ProcessGroup.StartTime(pids["server"]));
        var state = await session.WaitStateAsync("web-0", s => s.ArchiveSha256.Length == 64, "the archive's SHA-256");
        Assert.Equal(instance, state.Instance);
        await Eventually.TrueAsync(() => session.Director.Heartbeats[^1].Heartbeat.Load.JobLoad == 0.25, AgentSession.Timeout, "the job's load in a heartbeat");
    }

    [Fact]
    public async Task An_archive_whose_hash_differs_from_its_name_is_refused()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("web-0", 1);
        var archive = new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600")).Build();
        var claimed = session.Director.AddBlob(archive, sha256: new string('a', 64));

        var result = await session.SendAsync(CommandKind.Prepare, instance, claimed);

        Assert.False(result.Ok);
        Assert.Equal("bad_checksum", result.Refusal);
        Assert.False(Directory.Exists(Path.Combine(session.Data, "staging", "web-0", "1")));
    }

    [Fact]
    public async Task A_file_that_does_not_match_instance_json_is_refused()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("web-0", 1);
        var builder = new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600"));
        var spec = builder.Spec();
        var lying = spec with { Files = [.. spec.Files.Select(file => file with { Sha256 = new string('0', 64) })] };
        var sha = session.Director.AddBlob(builder.Build(lying));

        var result = await session.SendAsync(CommandKind.Prepare, instance, sha);

        Assert.Equal("bad_checksum", result.Refusal);
        var unlisted = session.Director.AddBlob(builder.Build(extra: tar => ArchiveBuilder.Write(tar, "jobs/server/bin/extra", "#!/bin/sh\n"u8.ToArray())));
        Assert.Equal("bad_checksum", (await session.SendAsync(CommandKind.Prepare, instance, unlisted)).Refusal);
    }

    [Fact]
    public async Task Traversal_and_links_in_an_archive_are_refused_and_write_nothing_outside()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("web-0", 1);
        var builder = new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600"));
        var climbing = session.Director.AddBlob(builder.Build(extra: tar => ArchiveBuilder.Write(tar, "jobs/../../../../escaped", "x"u8.ToArray())));
        var linking = session.Director.AddBlob(builder.Build(extra: tar => tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "jobs/server/link") { LinkName = "/etc/passwd" })));

        var climbed = await session.SendAsync(CommandKind.Prepare, instance, climbing);
        var linked = await session.SendAsync(CommandKind.Prepare, instance, linking);

        Assert.Equal("bad_archive", climbed.Refusal);
        Assert.Equal("bad_archive", linked.Refusal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(session.Root)!, "escaped"));
        Assert.Empty(Directory.GetFiles(session.Root, "escaped", SearchOption.AllDirectories));
        Assert.Equal("failed", (await session.SendAsync(CommandKind.Apply, instance)).Refusal);
    }

    [Fact]
    public async Task A_stale_epoch_is_refused_and_changes_nothing()
    {
        await using var session = await AgentSession.StartAsync();
        var current = AgentSession.Ref("web-0", 5);
        await session.DeployAsync(new ArchiveBuilder(current).Job("server", ("run", "exec sleep 600")), current);
        var pid = (await session.WaitRunningAsync("web-0"))["server"];
        var stale = current with { Epoch = 4 };

        var stop = await session.SendAsync(CommandKind.Stop, stale);
        var apply = await session.SendAsync(CommandKind.Apply, stale);
        var older = session.Director.AddBlob(new ArchiveBuilder(stale).Job("other", ("run", "exec sleep 600")).Build());
        var prepare = await session.SendAsync(CommandKind.Prepare, stale, older);

        Assert.All([stop, apply, prepare], result => Assert.Equal("stale_epoch", result.Refusal));
        Assert.Equal(current, stop.State!.Instance);
        var state = await session.WaitStateAsync("web-0", s => s.Phase == InstancePhase.Running, "still running");
        Assert.Equal(pid, state.Jobs.Single().Pid);
        Assert.Equal(current, state.Instance);
        Assert.NotNull(NodeAgent.Supervision.ProcessGroup.StartTime(pid));
        Assert.False(Directory.Exists(Path.Combine(session.Data, "staging", "web-0", "4")));
        Assert.Equal("5", File.ReadAllText(Path.Combine(session.Data, "epochs", "web-0")));
    }

    [Fact]
    public async Task Stop_with_remove_deletes_the_instance_but_keeps_its_fence()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("web-0", 2);
        await session.DeployAsync(new ArchiveBuilder(instance).Job("server", ("run", "exec sleep 600")), instance);
        var pid = (await session.WaitRunningAsync("web-0"))["server"];

        var stop = await session.SendAsync(CommandKind.Stop, instance, remove: true);

        Assert.True(stop.Ok, stop.Error);
        Assert.Null(NodeAgent.Supervision.ProcessGroup.StartTime(pid));
        Assert.False(Directory.Exists(Path.Combine(session.Data, "instances", "web-0")));
        await Eventually.TrueAsync(() => session.Director.Heartbeats[^1].Heartbeat.Instances.Count == 0, AgentSession.Timeout, "a heartbeat without the instance");
        Assert.Equal("stale_epoch", (await session.SendAsync(CommandKind.Start, instance with { Epoch = 1 })).Refusal);
        Assert.Equal("unknown_instance", (await session.SendAsync(CommandKind.GetState, instance)).Refusal);
    }

    [Fact]
    public async Task Commands_beyond_the_queue_bound_are_refused_as_busy()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("slow-0", 1);
        var release = session.Marker("release");
        var builder = new ArchiveBuilder(instance, Lifecycle.Errand).Job("slow", ("run", $"while [ ! -e {release} ]; do sleep 0.05; done"));
        var sha = session.Director.AddBlob(builder.Build());
        Assert.True((await session.SendAsync(CommandKind.Prepare, instance, sha)).Ok);
        Assert.True((await session.SendAsync(CommandKind.Apply, instance)).Ok);
        var errand = new AgentCommand { Id = "errand", Kind = CommandKind.RunErrand, Instance = instance };
        session.Director.Enqueue(errand);
        await session.WaitStateAsync("slow-0", s => s.Phase == InstancePhase.Running, "the errand running");

        var queries = Enumerable.Range(0, NodeAgent.Host.CommandDispatcher.MaxQueued + 6)
            .Select(i => new AgentCommand { Id = $"q{i}", Kind = CommandKind.GetState, Instance = instance })
            .ToList();
        queries.ForEach(session.Director.Enqueue);
        var busy = await Eventually.ValueAsync(
            () => queries.Select(q => session.Director.ResultOf(q.Id)).Where(r => r?.Refusal == "busy").ToList() is { Count: 6 } refused ? refused : null,
            AgentSession.Timeout,
            "six busy refusals");
        File.WriteAllText(release, "");

        var results = await Task.WhenAll(queries.Select(q => Eventually.ValueAsync(() => session.Director.ResultOf(q.Id), AgentSession.Timeout, q.Id)));
        Assert.Equal(NodeAgent.Host.CommandDispatcher.MaxQueued, results.Count(r => r.Ok));
        Assert.Equal(6, results.Count(r => r.Refusal == "busy"));
        Assert.Equal(6, busy.Count);
        Assert.True((await Eventually.ValueAsync(() => session.Director.ResultOf("errand"), AgentSession.Timeout, "the errand's result")).Ok);
    }
}
