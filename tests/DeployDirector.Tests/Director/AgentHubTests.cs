using DeployDirector.Contracts;
using DeployDirector.Live;

namespace DeployDirector.Tests.Director;

/// <summary>The hub's command path when an agent registers again while a command is on its way to it
/// (a race a few instructions wide: the first test runs tens of thousands of rounds to meet it).</summary>
public sealed class AgentHubTests
{
    private const string Mac = "52:54:00:aa:00:01";

    [Fact]
    public async Task A_command_sent_while_the_agent_registers_again_always_gets_an_answer()
    {
        var hub = new AgentHub(TimeProvider.System, DirectorRig.FastTimings);
        hub.Register(Mac, Registration("boot-0"));
        for (int round = 1; round <= 40000; round++)
        {
            string boot = $"boot-{round}";
            Task<CommandResult> sent = Task.Run(() => hub.SendAsync(Mac, new AgentCommand { Id = $"c{round}", Kind = CommandKind.GetState }, TimeSpan.FromMinutes(5), CancellationToken.None));
            hub.Register(Mac, Registration(boot));
            // The new boot's agent answers whatever reaches its queue; the old boot's queue is abandoned.
            using var stop = new CancellationTokenSource();
            Task answering = AnswerAsync(hub, boot, stop.Token);
            Task finished = await Task.WhenAny(sent, Task.Delay(TimeSpan.FromSeconds(5)));
            await stop.CancelAsync();
            await answering;
            Assert.True(finished == sent, $"round {round}: the command neither reached the new boot's queue nor failed when the old boot was abandoned");
            CommandResult result = await sent;
            Assert.True(result.Ok || result.Refusal == "agent_gone", $"round {round}: {result.Refusal} {result.Error}");
        }
    }

    private static async Task AnswerAsync(AgentHub hub, string boot, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                foreach (AgentCommand command in await hub.PollAsync(Mac, boot, 200, stop) ?? [])
                {
                    hub.Complete(Mac, new CommandResult(command.Id, true, null, null, null, null, null));
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    [Fact]
    public async Task A_command_for_an_agent_that_registers_again_before_polling_fails_as_agent_gone()
    {
        var hub = new AgentHub(TimeProvider.System, DirectorRig.FastTimings);
        hub.Register(Mac, Registration("boot-1"));
        Task<CommandResult> sent = hub.SendAsync(Mac, new AgentCommand { Id = "c1", Kind = CommandKind.GetState }, TimeSpan.FromMinutes(1), CancellationToken.None);
        hub.Register(Mac, Registration("boot-2"));
        CommandResult result = await sent.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((false, "agent_gone"), (result.Ok, result.Refusal));
        Assert.Empty((await hub.PollAsync(Mac, "boot-2", 0, CancellationToken.None))!);
    }

    [Fact]
    public void A_heartbeat_that_reports_what_the_last_one_did_keeps_the_last_ones_objects_and_a_change_replaces_them()
    {
        var hub = new AgentHub(TimeProvider.System, DirectorRig.FastTimings);
        hub.Register(Mac, Registration("boot-1"));
        static InstanceState State(string phase, int restarts) => new()
        {
            Instance = new InstanceRef("demo", "db", 0, "i-1", 7),
            ArchiveSha256 = "ab",
            Phase = phase,
            Jobs = [new JobState("backend", "running", 42, restarts, true, null)],
        };
        static AgentHeartbeat Beat(long sequence, string phase, int restarts, double cpu) => new()
        {
            BootId = "boot-1", Sequence = sequence, Load = new LoadReport(cpu, 2, 1, 2, null), Instances = [State(phase, restarts)],
        };
        hub.Heartbeat(Mac, Beat(1, InstancePhase.Running, 0, 0.5));
        LiveAgent agent = hub.Find(Mac)!;
        (IReadOnlyList<InstanceState> instances, LoadReport? load) = (agent.Instances, agent.Load);
        // Equal content in new objects (as every decoded heartbeat is): the old objects stay.
        hub.Heartbeat(Mac, Beat(2, InstancePhase.Running, 0, 0.5));
        Assert.Same(instances, agent.Instances);
        Assert.Same(load, agent.Load);
        Assert.Equal(2, agent.Sequence);
        // Any change, down to a job's restart count or the load, replaces them.
        hub.Heartbeat(Mac, Beat(3, InstancePhase.Running, 1, 0.5));
        Assert.NotSame(instances, agent.Instances);
        Assert.Equal(1, agent.Instances.Single().Jobs.Single().Restarts);
        hub.Heartbeat(Mac, Beat(4, InstancePhase.Failing, 1, 0.9));
        Assert.Equal((InstancePhase.Failing, 0.9), (agent.Instances.Single().Phase, agent.Load!.CpuLoad));
    }

    private static AgentRegistration Registration(string bootId) => new()
    {
        Mac = Mac,
        BootId = bootId,
        AgentVersion = "test",
        Address = "10.0.2.21",
        Cores = 2,
        MemoryBytes = 1L << 30,
    };
}
