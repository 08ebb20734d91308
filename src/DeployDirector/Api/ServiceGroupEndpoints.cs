using DeployDirector.Running;
using DeployDirector.ServiceGroups;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DeployDirector.Api;

/// <summary>
/// Service groups for operators: status, endpoint lists, supervisor events, the meltdown guard's
/// resume, and the per-node switches (quiesce, hot spare). Handlers translate only:
/// <see cref="ServiceGroupSupervisor"/> validates and acts; its refusals are problems.
/// </summary>
public static class ServiceGroupEndpoints
{
    /// <summary>Events one request returns at most (the client pages on with <c>after=</c>).</summary>
    public const int MaxEvents = 1000;

    public const int DefaultEvents = 200;

    public static void MapServiceGroups(this RouteGroupBuilder api)
    {
        MapGroups(api.MapGroup("/groups").WithTags("service groups"));
        MapNodeSwitches(api.MapGroup("/stemcells").WithTags("stemcells"));
    }

    private static void MapGroups(RouteGroupBuilder groups)
    {
        groups.MapGet("/", (ServiceGroupSupervisor supervisor, Deployer deployer, string? deployment) =>
        {
            if (deployment is not null)
            {
                _ = deployer.Deployment(deployment); // an unknown deployment is a 404, not an empty list
            }
            return supervisor.Statuses(deployment);
        })
            .WithSummary("Service groups with their members' health, utilization and availability, spares, endpoints, orphans and alerts");
        groups.MapGet("/events", (ServiceGroupSupervisor supervisor, long? after, string? group, int? limit) =>
            limit is < 1 or > MaxEvents
                ? Results.Problem(statusCode: 400, title: "invalid argument", detail: $"limit is 1 to {MaxEvents}; page on with after=SEQUENCE of the last event seen",
                    type: "https://unionblock.dev/problems/invalid-argument")
                : Results.Ok(supervisor.Events.List(after ?? 0, group, limit ?? DefaultEvents)))
            .WithSummary($"Supervisor events after a sequence number, oldest first, of one group (DEPLOYMENT/GROUP) or deployment; at most {DefaultEvents} unless limit= says (up to {MaxEvents})");
        groups.MapGet("/{deployment}/{group}", (ServiceGroupSupervisor supervisor, string deployment, string group) => supervisor.Status(deployment, group))
            .WithSummary("One service group");
        groups.MapGet("/{deployment}/{group}/endpoints", (ServiceGroupSupervisor supervisor, Deployer deployer, string deployment, string group) =>
        {
            IReadOnlyList<GroupMemberStatus> members = supervisor.Endpoints(deployment, group);
            IReadOnlyDictionary<string, int> ports = deployer.ServiceGroups(deployment).FirstOrDefault(g => g.Name == group)?.Ports ?? new Dictionary<string, int>();
            return new GroupEndpointsView(deployment, group, ports, members);
        })
            .WithSummary("The members that take clients now, with their addresses, and the group's ports");
        groups.MapPost("/{deployment}/{group}/resume", (ServiceGroupSupervisor supervisor, string deployment, string group) =>
        {
            _ = supervisor.Status(deployment, group);
            supervisor.Resume($"{deployment}/{group}");
            return supervisor.Status(deployment, group);
        })
            .WithSummary("Resume a group that its meltdown guard holds back: its moves go again");
    }

    private static void MapNodeSwitches(RouteGroupBuilder stemcells)
    {
        stemcells.MapPost("/{mac}/quiesce", (ServiceGroupSupervisor supervisor, Deployer deployer, string mac) => Quiesce(supervisor, deployer, mac, true))
            .WithSummary("Quiesce a node: it keeps serving what it holds, takes no new instance, leaves endpoint lists");
        stemcells.MapDelete("/{mac}/quiesce", (ServiceGroupSupervisor supervisor, Deployer deployer, string mac) => Quiesce(supervisor, deployer, mac, false))
            .WithSummary("Unquiesce a node: it takes instances and joins endpoint lists again");
        stemcells.MapPut("/{mac}/spare", (ServiceGroupSupervisor supervisor, Deployer deployer, string mac, SpareRequest request) =>
            request.Group is not { Length: > 0 } group
                ? Results.Problem(statusCode: 400, title: "invalid argument", detail: "the body names the group: {\"group\": \"DEPLOYMENT/GROUP\"}; DELETE this route to make the node no spare",
                    type: "https://unionblock.dev/problems/invalid-argument")
                : Results.Ok(Spare(supervisor, deployer, mac, group)))
            .WithSummary("Make an idle node a hot spare of a service group (it holds the group's instances prepared)");
        stemcells.MapDelete("/{mac}/spare", (ServiceGroupSupervisor supervisor, Deployer deployer, string mac) => Spare(supervisor, deployer, mac, null))
            .WithSummary("The node is a hot spare no more");
    }

    private static StemcellView Quiesce(ServiceGroupSupervisor supervisor, Deployer deployer, string mac, bool quiesced)
    {
        mac = Deployer.Mac(mac);
        supervisor.Quiesce(mac, quiesced);
        return deployer.Stemcells().First(s => s.Mac == mac);
    }

    private static StemcellView Spare(ServiceGroupSupervisor supervisor, Deployer deployer, string mac, string? group)
    {
        mac = Deployer.Mac(mac);
        supervisor.Spare(mac, group);
        return deployer.Stemcells().First(s => s.Mac == mac);
    }
}
