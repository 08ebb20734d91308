using System.Diagnostics;
using System.Text.Json;
using DeployDirector.Contracts;
using NodeAgent.Tests.Fakes;

namespace NodeAgent.Tests;

/// <summary>The real agent's side of service groups: update_group and group.json, hot spares' prepared copies.</summary>
public sealed class ServiceGroupTests
{
    [Fact]
    public async Task Update_group_writes_group_json_where_jobs_find_it_and_runs_group_changed()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-0", 2);
        var seen = session.Marker("seen");
        var runEnv = session.Marker("run-env");
        await session.DeployAsync(
            new ArchiveBuilder(instance)
                .Job("db", ("run", $"echo \"$UBD_GROUP_FILE\" > {runEnv}\nexec sleep 600"), ("group-changed", $"cat \"$UBD_GROUP_FILE\" >> {seen}\necho >> {seen}\necho db saw the change"))
                .Job("metrics", ("run", "exec sleep 600")),
            instance);
        var group = Group(version: 3, leader: "db-1");

        var result = await SendGroupAsync(session, instance, group);

        Assert.True(result.Ok, result.Error);
        Assert.Equal("db saw the change\n", result.Output);
        var file = Path.Combine(session.Data, "instances", "db-0", "group.json");
        Assert.Equal(group, ReadGroup(file) with { Members = group.Members });
        Assert.Equal(group.Members, ReadGroup(file).Members);
        Assert.Equal(File.ReadAllText(file), File.ReadAllLines(seen).Single());
        await Eventually.TrueAsync(() => File.Exists(runEnv), AgentSession.Timeout, "the job's environment");
        Assert.Equal(file, File.ReadAllText(runEnv).Trim());
    }

    [Fact]
    public async Task An_older_or_repeated_version_is_ignored_and_runs_no_hook()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-0", 1);
        var calls = session.Marker("calls");
        await session.DeployAsync(new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600"), ("group-changed", $"echo call >> {calls}")), instance);
        var file = Path.Combine(session.Data, "instances", "db-0", "group.json");
        Assert.True((await SendGroupAsync(session, instance, Group(version: 5, leader: "db-0"))).Ok);

        var older = await SendGroupAsync(session, instance, Group(version: 4, leader: "db-1"));
        var again = await SendGroupAsync(session, instance, Group(version: 5, leader: "db-1"));

        Assert.True(older.Ok, older.Error);
        Assert.True(again.Ok, again.Error);
        Assert.Contains("ignored", older.Output, StringComparison.Ordinal);
        Assert.Equal(5, ReadGroup(file).Version);
        Assert.Equal("db-0", ReadGroup(file).LeaderInstance);
        Assert.Single(File.ReadAllLines(calls));

        var newer = await SendGroupAsync(session, instance, Group(version: 6, leader: "db-1"));

        Assert.True(newer.Ok, newer.Error);
        Assert.Equal("db-1", ReadGroup(file).LeaderInstance);
        Assert.Equal(2, File.ReadAllLines(calls).Length);
    }

    [Fact]
    public async Task Update_group_obeys_the_epoch_fence_and_needs_a_known_instance_and_a_group()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-0", 4);
        await session.DeployAsync(new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600")), instance);

        var stale = await SendGroupAsync(session, instance with { Epoch = 3 }, Group(version: 1, leader: "db-0"));
        var unknown = await SendGroupAsync(session, AgentSession.Ref("db-9", 1), Group(version: 1, leader: "db-0"));
        var empty = await session.SendAsync(CommandKind.UpdateGroup, instance);

        Assert.Equal("stale_epoch", stale.Refusal);
        Assert.Equal("unknown_instance", unknown.Refusal);
        Assert.Equal("failed", empty.Refusal);
        Assert.False(File.Exists(Path.Combine(session.Data, "instances", "db-0", "group.json")));
        Assert.True((await SendGroupAsync(session, instance, Group(version: 1, leader: null))).Ok);
        Assert.Null(ReadGroup(Path.Combine(session.Data, "instances", "db-0", "group.json")).LeaderInstance);
    }

    [Fact]
    public async Task A_failing_hook_is_reported_with_its_output_and_a_hanging_one_is_bounded_by_the_timeout()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-0", 1);
        var hang = session.Marker("hang");
        await session.DeployAsync(
            new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600"), ("group-changed", $"echo cannot follow the leader\nif [ -e {hang} ]; then exec sleep 600; fi\nexit 4")),
            instance);

        var failed = await SendGroupAsync(session, instance, Group(version: 1, leader: "db-1"));

        Assert.False(failed.Ok);
        Assert.Equal("failed", failed.Refusal);
        Assert.Equal(4, failed.ExitCode);
        Assert.Contains("db: bin/group-changed exited with code 4", failed.Error, StringComparison.Ordinal);
        Assert.Equal("cannot follow the leader\n", failed.Output);
        Assert.Equal(1, ReadGroup(Path.Combine(session.Data, "instances", "db-0", "group.json")).Version);

        File.WriteAllText(hang, "");
        var clock = Stopwatch.StartNew();
        var timedOut = await SendGroupAsync(session, instance, Group(version: 2, leader: "db-1"), timeoutMs: 1000);

        Assert.Equal("timeout", timedOut.Refusal);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 10);
        Assert.Equal("cannot follow the leader\n", timedOut.Output);
    }

    [Fact]
    public async Task A_prepared_spare_reports_its_archive_and_keeps_reporting_it_across_an_agent_restart()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-2", 3);
        var sha = session.Director.AddBlob(new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600")).Build());

        var prepared = await session.SendAsync(CommandKind.Prepare, instance, sha);

        Assert.True(prepared.Ok, prepared.Error);
        Assert.Equal(InstancePhase.Prepared, prepared.State!.Phase);
        Assert.Equal(sha, prepared.State.ArchiveSha256);
        var beat = await session.WaitStateAsync("db-2", s => s.Phase == InstancePhase.Prepared, "a prepared spare");
        Assert.Equal(sha, beat.ArchiveSha256);
        Assert.Equal(instance, beat.Instance);

        var stop = await session.SendAsync(CommandKind.Stop, instance);
        Assert.True(stop.Ok, stop.Error);
        Assert.Equal(InstancePhase.Prepared, stop.State!.Phase);

        session.RestartAgent();

        await session.WaitRegisteredAsync(2);
        var registered = session.Director.Registrations[1].Instances.Single();
        Assert.Equal(InstancePhase.Prepared, registered.Phase);
        Assert.Equal(sha, registered.ArchiveSha256);
        Assert.True((await session.SendAsync(CommandKind.Apply, instance)).Ok);
        Assert.True((await session.SendAsync(CommandKind.Start, instance)).Ok);
        var running = await session.WaitStateAsync("db-2", s => s.Phase == InstancePhase.Running, "the spare running");
        Assert.Equal(sha, running.ArchiveSha256);
    }

    [Fact]
    public async Task A_running_instance_keeps_reporting_its_applied_archive_while_a_newer_one_is_prepared()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-0", 1);
        var applied = await session.DeployAsync(new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600")), instance);
        var newer = instance with { Epoch = 2 };
        var next = session.Director.AddBlob(new ArchiveBuilder(newer).Job("db", ("run", "exec sleep 601")).Build());

        var prepared = await session.SendAsync(CommandKind.Prepare, newer, next);

        Assert.True(prepared.Ok, prepared.Error);
        Assert.Equal(InstancePhase.Running, prepared.State!.Phase);
        Assert.Equal(applied.State!.ArchiveSha256, prepared.State.ArchiveSha256);
        Assert.NotEqual(next, prepared.State.ArchiveSha256);
    }

    [Fact]
    public async Task A_bad_archive_leaves_the_spares_good_copy_of_the_same_epoch()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-2", 1);
        var builder = new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600"));
        var good = session.Director.AddBlob(builder.Build());
        Assert.True((await session.SendAsync(CommandKind.Prepare, instance, good)).Ok);
        var lying = builder.Spec() with { Files = [.. builder.Spec().Files.Select(file => file with { Sha256 = new string('0', 64) })] };
        var bad = session.Director.AddBlob(builder.Build(lying));

        var refused = await session.SendAsync(CommandKind.Prepare, instance, bad);

        Assert.Equal("bad_checksum", refused.Refusal);
        Assert.Equal(["1"], Directory.GetDirectories(Path.Combine(session.Data, "staging", "db-2")).Select(Path.GetFileName));
        Assert.Equal(good, (await session.SendAsync(CommandKind.GetState, instance)).State!.ArchiveSha256);
        Assert.True((await session.SendAsync(CommandKind.Apply, instance)).Ok);
    }

    [Fact]
    public async Task Stop_with_remove_deletes_a_prepared_spares_staged_files()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-2", 2);
        var sha = session.Director.AddBlob(new ArchiveBuilder(instance).Job("db", ("run", "exec sleep 600")).Build());
        Assert.True((await session.SendAsync(CommandKind.Prepare, instance, sha)).Ok);
        Assert.True((await SendGroupAsync(session, instance, Group(version: 1, leader: "db-0"))).Ok);
        var staging = Path.Combine(session.Data, "staging", "db-2");
        Assert.True(File.Exists(Path.Combine(staging, "2", "instance.json")));
        Assert.True(File.Exists(Path.Combine(session.Data, "instances", "db-2", "group.json")));

        var stop = await session.SendAsync(CommandKind.Stop, instance, remove: true);

        Assert.True(stop.Ok, stop.Error);
        Assert.False(Directory.Exists(staging));
        Assert.False(Directory.Exists(Path.Combine(session.Data, "instances", "db-2")));
        await Eventually.TrueAsync(() => session.Director.Heartbeats[^1].Heartbeat.Instances.Count == 0, AgentSession.Timeout, "a heartbeat without the spare");
        Assert.Equal("stale_epoch", (await session.SendAsync(CommandKind.Prepare, instance with { Epoch = 1 }, sha)).Refusal);
    }

    [Fact]
    public async Task Stop_with_remove_clears_staged_files_the_agent_holds_no_state_for()
    {
        await using var session = await AgentSession.StartAsync();
        var instance = AgentSession.Ref("db-3", 1);
        var orphan = Path.Combine(session.Data, "staging", "db-3", "1");
        Directory.CreateDirectory(orphan);
        File.WriteAllText(Path.Combine(orphan, "instance.json"), "{}");

        var stop = await session.SendAsync(CommandKind.Stop, instance, remove: true);

        Assert.True(stop.Ok, stop.Error);
        Assert.False(Directory.Exists(Path.Combine(session.Data, "staging", "db-3")));
    }

    private static Task<CommandResult> SendGroupAsync(AgentSession session, InstanceRef instance, GroupInfo group, int timeoutMs = 60_000) =>
        session.Director.RunAsync(new AgentCommand { Id = Guid.NewGuid().ToString("n"), Kind = CommandKind.UpdateGroup, Instance = instance, Group = group, TimeoutMs = timeoutMs });

    private static GroupInfo Group(long version, string? leader) => new(
        "web-deployment",
        "db",
        version,
        leader,
        leader is null ? null : "10.0.0." + leader[^1],
        [new GroupMember("db-0", 0, "10.0.0.0", leader == "db-0"), new GroupMember("db-1", 1, "10.0.0.1", true), new GroupMember("db-2", 2, "10.0.0.2", true)]);

    private static GroupInfo ReadGroup(string path) => JsonSerializer.Deserialize(File.ReadAllText(path), AgentJson.Default.GroupInfo)!;
}
