using DeployDirector.Contracts;
using DeployDirector.ServiceGroups;
using DeployDirector.State;
using DeployDirector.Tests.Director;

namespace DeployDirector.Tests.ServiceGroups;

/// <summary>What members hear from the real director: endpoint lists, leaders (update_group), the
/// heartbeat interval their group asks for; and how quiesced nodes are treated.</summary>
public sealed class MembershipTests
{
    [Fact]
    public async Task A_quiesced_node_leaves_the_endpoints_keeps_its_instance_and_takes_no_new_one()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(3);
        await g.DeployAsync(GroupRig.Manifest(2));
        await g.RoundsUntilAsync(() => g.Supervisor.Endpoints("demo", "db").Count == 2, "both members are endpoints");
        InstanceRecord kept = g.Instance(1);
        FakeAgent quiesced = g.Holder(1);
        FakeAgent idle = g.Rig.Agents.Single(a => a.Instances.Count == 0);
        g.Supervisor.Quiesce(quiesced.Mac, true);
        g.Supervisor.Quiesce(idle.Mac, true);
        int before = quiesced.ReceivedCount;

        Assert.Contains(g.Round(), d => d is EndpointsChanged e && e.Available.SequenceEqual(["demo/db/0"]));
        Assert.Equal([0], g.Supervisor.Endpoints("demo", "db").Select(m => m.Index));
        Assert.Equal([0], g.Supervisor.Groups().Single(s => s.Group == "db").Available.Select(m => m.Index));
        GroupMemberStatus member = g.Supervisor.Status("demo", "db").Members.Single(m => m.Index == 1);
        Assert.Equal((true, false, quiesced.Mac), (member.Quiesced, member.Available, member.Node));
        Assert.True(g.RunsOn(1, quiesced.Mac));
        Assert.Equal(kept.Epoch, g.Instance(1).Epoch);
        Assert.DoesNotContain(quiesced.Received.Skip(before), c => c.Kind is CommandKind.Stop or CommandKind.Apply or CommandKind.Start);

        FakeAgent dead = g.Holder(0);
        await dead.DieAsync();
        g.Pass(FailoverTests.DeadTime);
        g.Round();
        await g.RoundsUntilAsync(() => g.Supervisor.Status("demo", "db").Orphans.SequenceEqual(["demo/db/0"]) && g.Instance(0).Node == dead.Mac, "instance 0 is orphaned: the only idle node is quiesced");
        Assert.DoesNotContain(idle.Received, c => c.Instance?.Id == g.Instance(0).Id);
        Assert.True(g.RunsOn(1, quiesced.Mac));

        g.Supervisor.Quiesce(idle.Mac, false);
        await g.RoundsUntilAsync(() => g.RunsOn(0, idle.Mac), "instance 0 runs on the unquiesced node");
    }

    [Fact]
    public async Task The_lowest_running_index_leads_members_hear_it_and_a_dead_leader_is_replaced()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(3);
        await g.DeployAsync(GroupRig.Manifest(2));
        FakeAgent first = g.Holder(0);
        FakeAgent second = g.Holder(1);
        await g.RoundsUntilAsync(() => new[] { first, second }.All(a => a.Groups.LastOrDefault()?.LeaderInstance == "demo/db/0"), "both members hear that 0 leads");
        Assert.Equal("demo/db/0", g.Store.Group("demo", "db")!.Leader);
        GroupInfo heard = second.Groups[^1];
        Assert.Equal((first.Address, 2), (heard.LeaderAddress, heard.Members.Count));
        Assert.Equal([first.Address, second.Address], heard.Members.OrderBy(m => m.Index).Select(m => m.Address));
        long version = heard.Version;

        await first.DieAsync();
        g.Pass(FailoverTests.DeadTime);
        Assert.Contains(g.Round(), d => d is AssignLeader { Instance: "demo/db/1" });
        await g.RoundsUntilAsync(() => second.Groups.LastOrDefault()?.LeaderInstance == "demo/db/1", "the survivor hears it leads");
        Assert.Equal("demo/db/1", g.Store.Group("demo", "db")!.Leader);
        Assert.True(second.Groups[^1].Version > version, $"version {second.Groups[^1].Version} after, {version} before");
        Assert.Equal(second.Address, second.Groups[^1].LeaderAddress);
        await g.RoundsUntilAsync(() => second.Groups[^1].Version == g.Store.Group("demo", "db")!.Version, "the survivor holds the newest version pushed");
        Assert.Contains(g.Events(), e => e.Kind == "leader" && e.Message.Contains("demo/db/1 leads", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_member_still_taking_a_group_push_gets_only_the_newest_one_after_it()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(3);
        await g.DeployAsync(GroupRig.Manifest(3));
        FakeAgent slow = g.Holder(2);
        FakeAgent flapping = g.Holder(1);
        await g.RoundsUntilAsync(() => slow.Groups.Count > 0, "the members hear of their group");
        int Pushes() => slow.Received.Count(c => c.Kind == CommandKind.UpdateGroup);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.HoldUpdateGroup = hold;
        int before = Pushes();
        int flappingBefore = flapping.Received.Count(c => c.Kind == CommandKind.UpdateGroup);
        int FlappingGroups() => flapping.Groups.Count;
        for (int i = 0; i < 6; i++)
        {
            int heard = FlappingGroups();
            g.Supervisor.Quiesce(flapping.Mac, i % 2 == 0); // each flip changes the endpoint list: a push
            g.Pass(ServiceGroupSupervisor.PushInterval);
            g.Round();
            // A member that answers takes each push before the next is due (one in flight per member).
            await g.RoundsUntilAsync(() => FlappingGroups() > heard, $"the answering member takes push {i + 1}");
            if (i == 0)
            {
                await g.RoundsUntilAsync(() => Pushes() == before + 1, "the slow member has the first push");
            }
        }
        long newest = g.Store.Group("demo", "db")!.Version;
        Assert.True(newest >= slow.Groups[^1].Version + 5, $"six pushes were due: version {newest}, the slow member holds {slow.Groups[^1].Version}");
        await Task.Delay(200); // a second command would have been polled by now
        Assert.Equal(before + 1, Pushes());
        Assert.True(flapping.Received.Count(c => c.Kind == CommandKind.UpdateGroup) >= flappingBefore + 5, "a member that answers gets every push");

        hold.SetResult();
        await g.RoundsUntilAsync(() => slow.Groups[^1].Version == g.Store.Group("demo", "db")!.Version, "the slow member holds the newest version");
        Assert.Equal(before + 2, Pushes()); // the one it held, then the newest; the four between were never sent
    }

    [Fact]
    public async Task Members_and_spares_are_answered_the_heartbeat_interval_of_their_group()
    {
        await using var g = new GroupRig();
        g.Rig.Boot(4);
        await g.DeployAsync(GroupRig.Manifest(2, "spares: 1\nfailover: { heartbeat: 500, lease: 3s }"));
        await g.RoundsUntilAsync(() => g.Rig.Agents.Count(a => g.Director.Context.Nodes.Find(a.Mac)?.SpareFor == "demo/db") == 1, "a spare is designated");
        g.Round();
        g.BeatAll();
        string spare = g.Supervisor.Status("demo", "db").Spares.Single();
        HashSet<string> members = [g.Instance(0).Node!, g.Instance(1).Node!, spare];
        foreach (FakeAgent agent in g.Rig.Agents)
        {
            Assert.Equal(members.Contains(agent.Mac) ? 500 : null, agent.LastAck!.HeartbeatIntervalMs);
        }
    }
}
