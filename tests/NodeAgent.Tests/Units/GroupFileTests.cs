using System.Text.Json;
using DeployDirector.Contracts;
using FsCheck;
using FsCheck.Fluent;
using NodeAgent.State;

namespace NodeAgent.Tests.Units;

/// <summary>group.json: which pushes replace the held one, and what the file and the wire look like.</summary>
public sealed class GroupFileTests
{
    private static readonly GroupMember[] s_members = [new("db-0", 0, "10.0.0.5", true), new("db-1", 1, "10.0.0.6", false)];

    [Fact]
    public void A_push_replaces_the_held_group_only_when_newer_or_for_another_group() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 5).Select(v => (long)v).Two().Zip(Gen.Elements("db", "cache").Two())), sample =>
        {
            var ((heldVersion, pushedVersion), (heldGroup, pushedGroup)) = sample;
            var held = Group(heldGroup, heldVersion);
            var pushed = Group(pushedGroup, pushedVersion);

            Assert.Equal(heldGroup != pushedGroup || pushedVersion > heldVersion, GroupFile.Supersedes(pushed, held));
            Assert.True(GroupFile.Supersedes(pushed, null));
            Assert.False(GroupFile.Supersedes(pushed, pushed));
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void The_file_round_trips_and_speaks_snake_case()
    {
        var root = Directory.CreateTempSubdirectory("ubd-group-").FullName;
        try
        {
            var path = Path.Combine(root, "instances", "db-0", "group.json");
            var group = Group("db", 7);

            GroupFile.Write(path, group);

            var read = GroupFile.TryRead(path)!;
            Assert.Equal(group with { Members = [] }, read with { Members = [] });
            Assert.Equal(s_members, read.Members);
            var json = File.ReadAllText(path);
            Assert.Contains("\"leader_instance\":\"db-0\"", json, StringComparison.Ordinal);
            Assert.Contains("\"leader_address\":\"10.0.0.5\"", json, StringComparison.Ordinal);
            Assert.Contains("\"available\":false", json, StringComparison.Ordinal);
            Assert.False(File.Exists(path + ".tmp"));

            File.WriteAllText(path, "{ not json");
            Assert.Null(GroupFile.TryRead(path));
            Assert.Null(GroupFile.TryRead(Path.Combine(root, "missing.json")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void An_update_group_command_and_a_heartbeat_ack_cross_the_wire()
    {
        var command = new AgentCommand { Id = "c1", Kind = CommandKind.UpdateGroup, Instance = new InstanceRef("d", "db", 0, "db-0", 3), Group = Group("db", 2) };

        var json = JsonSerializer.Serialize(command, AgentJson.Default.AgentCommand);
        var back = JsonSerializer.Deserialize(json, AgentJson.Default.AgentCommand)!;

        Assert.Contains("\"kind\":\"update_group\"", json, StringComparison.Ordinal);
        Assert.Equal(command.Group!.Members, back.Group!.Members);
        Assert.Equal(command with { Group = null }, back with { Group = null });
        Assert.Null(JsonSerializer.Deserialize("""{"id":"c2","kind":"start"}""", AgentJson.Default.AgentCommand)!.Group);

        var old = JsonSerializer.Deserialize("""{"lease_ms":5000,"commands_waiting":false}""", AgentJson.Default.HeartbeatAck)!;
        var faster = JsonSerializer.Deserialize("""{"lease_ms":5000,"commands_waiting":true,"heartbeat_interval_ms":250}""", AgentJson.Default.HeartbeatAck)!;
        Assert.Equal(new HeartbeatAck(5000, false), old);
        Assert.Null(old.HeartbeatIntervalMs);
        Assert.Equal(250, faster.HeartbeatIntervalMs);
        Assert.DoesNotContain("heartbeat_interval_ms", JsonSerializer.Serialize(old, AgentJson.Default.HeartbeatAck), StringComparison.Ordinal);
    }

    private static GroupInfo Group(string name, long version) => new("web-deployment", name, version, "db-0", "10.0.0.5", s_members);
}
