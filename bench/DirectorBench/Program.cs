using System.Globalization;
using DirectorBench;

// `host` is the director under load, started by the load generator as a child process (HostProcess).
if (args is ["host", "--agents", string agents, "--capacity", string capacity])
{
    return await BenchHost.RunAsync(int.Parse(agents, CultureInfo.InvariantCulture), int.Parse(capacity, CultureInfo.InvariantCulture));
}

// `failover-host` is the director of the failover bench, a child process too (FailoverBench).
if (args is ["failover-host", "--agents", string fleet, "--group-size", string groupSize, "--meltdown", string meltdown, "--release", string release])
{
    return await DirectorBench.Failover.FailoverHost.RunAsync(int.Parse(fleet, CultureInfo.InvariantCulture), int.Parse(groupSize, CultureInfo.InvariantCulture),
        meltdown.Split(','), release);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"DirectorBench: {e.Message}");
    return 2;
}

// Timings are reported, never judged: only errors (failed requests, failed deploys, commands sent by
// a no-op deploy) make the exit code non-zero.
int failures = 0;
if (options.Agents.Length > 0)
{
    var byAgents = new List<IReadOnlyList<HeartbeatResult>>();
    foreach (int count in options.Agents)
    {
        var runs = new List<HeartbeatResult>();
        for (int run = 1; run <= options.Runs; run++)
        {
            Console.Error.WriteLine($"heartbeats: {count} agents, run {run} of {options.Runs}");
            HeartbeatResult result = await HeartbeatLoad.RunAsync(count, TimeSpan.FromSeconds(options.Warmup), TimeSpan.FromSeconds(options.Seconds));
            if (result.Errors > 0)
            {
                Console.Error.WriteLine($"heartbeats: {result.Errors} error(s), the first: {result.FirstError}");
                failures++;
            }
            runs.Add(result);
        }
        byAgents.Add(runs);
    }
    Console.Out.WriteLine(Report.Heartbeats(byAgents));
}
if (options.Instances > 0)
{
    var runs = new List<DeployResult>();
    for (int run = 1; run <= options.Runs; run++)
    {
        Console.Error.WriteLine($"deploy: {options.Instances} instances, run {run} of {options.Runs}");
        DeployResult result = await DeployBench.RunAsync(options.Instances, options.Release);
        if (result.NoopCommands != 0)
        {
            Console.Error.WriteLine($"deploy: the unchanged re-deploy sent {result.NoopCommands} command(s)");
            failures++;
        }
        runs.Add(result);
    }
    Console.Out.WriteLine(Report.Deploys(runs));
}
if (options.RolloutNodes > 0)
{
    var runs = new List<DirectorBench.Rollout.RolloutResult>();
    for (int run = 1; run <= options.Runs; run++)
    {
        Console.Error.WriteLine($"rollout: {options.RolloutNodes} nodes in {options.RolloutGroups} groups, run {run} of {options.Runs}");
        runs.Add(await DirectorBench.Rollout.RolloutBench.RunAsync(options.RolloutNodes, options.RolloutGroups, options.Release));
    }
    Console.Out.WriteLine(DirectorBench.Rollout.RolloutReport.Table(runs));
}
if (options.FailoverAgents > 0)
{
    // One fresh director per run; the meltdown settings take turns over its groups.
    var results = new List<DirectorBench.Failover.FailoverResult>();
    for (int run = 1; run <= options.Runs; run++)
    {
        Console.Error.WriteLine($"failover: {options.FailoverAgents} agents, meltdown {string.Join(",", options.Meltdown)}, run {run} of {options.Runs}");
        DirectorBench.Failover.FailoverResult result = await DirectorBench.Failover.FailoverBench.RunAsync(options.FailoverAgents, options.GroupSize, options.Kills, options.Meltdown,
            TimeSpan.FromSeconds(options.MassWindow), options.Release);
        if (result.RequestErrors > 0)
        {
            failures++;
        }
        if (result.KillsNotRecovered > 0)
        {
            Console.Error.WriteLine($"failover: {result.KillsNotRecovered} killed node(s) whose instance never ran again");
            failures++;
        }
        results.Add(result);
    }
    Console.Out.WriteLine(DirectorBench.Failover.FailoverReport.Table(results));
}
if (options.NodeTable > 0)
{
    const int Nodes = 10_000;
    const int Rate = 10_000;
    var byStore = new List<IReadOnlyList<DirectorBench.NodeTable.NodeTableResult>>();
    foreach (Func<string, int, DirectorBench.NodeTable.INodeTable> open in DirectorBench.NodeTable.NodeTableBench.Stores)
    {
        var runs = new List<DirectorBench.NodeTable.NodeTableResult>();
        for (int run = 1; run <= options.Runs; run++)
        {
            runs.Add(DirectorBench.NodeTable.NodeTableBench.Run(open, Nodes, Rate, options.NodeTable));
            Console.Error.WriteLine($"node table: {runs[^1].Name}, run {run} of {options.Runs}");
        }
        byStore.Add(runs);
    }
    Console.Out.WriteLine(DirectorBench.NodeTable.NodeTableReport.Table(byStore, Nodes, Rate, options.NodeTable));
}
return failures == 0 ? 0 : 1;
