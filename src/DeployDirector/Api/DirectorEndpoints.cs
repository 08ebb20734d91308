using DeployDirector.Live;
using DeployDirector.Running;
using DeployDirector.State;
using DeployDirector.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DeployDirector.Api;

/// <summary>
/// The director's HTTP resources for operators (same tokens, roles and problem+json as the image
/// API). Handlers translate only: <see cref="Deployer"/> validates and acts. Long operations answer
/// 202 with a task.
/// </summary>
public static class DirectorEndpoints
{
    public const string Prefix = "/api/v1";

    /// <summary>The largest release tarball accepted.</summary>
    public const long MaxReleaseBytes = 512L << 20;

    public static void MapDirector(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup(Prefix);
        MapDeployments(api.MapGroup("/deployments").WithTags("deployments"));
        MapReleases(api.MapGroup("/releases").WithTags("releases"));
        MapStemcells(api.MapGroup("/stemcells").WithTags("stemcells"));
        MapTasks(api.MapGroup("/director/tasks").WithTags("director tasks"));
        api.MapServiceGroups();
        api.MapPatches();
        api.MapPost("/rollouts/nodes", (NodeRollouts rollouts, NodeRolloutRequest request) => Accepted(rollouts.Start(request)))
            .WithTags("deployments")
            .WithSummary("Roll nodes no deployment holds (nodes: [MAC], or bootGroup: LINEAGE) onto an edition in batches (a task)");
        app.MapAgentProtocol();
    }

    private static void MapDeployments(RouteGroupBuilder deployments)
    {
        deployments.MapGet("/", (Deployer deployer) => deployer.Deployments()).WithSummary("List deployments");
        deployments.MapPost("/", (Deployer deployer, ManifestRequest request) =>
        {
            DeployOutcome outcome = deployer.Deploy(request.Manifest, request.File ?? "manifest.yml", request.Variables);
            return outcome.Task is { } task ? Accepted(task) : Invalid(outcome.Errors);
        })
            .WithSummary("Deploy a manifest (a task): converge the deployment onto it; nothing changes if it is invalid");
        deployments.MapPost("/plan", (Deployer deployer, ManifestRequest request) =>
        {
            PlanOutcome outcome = deployer.Plan(request.Manifest, request.File ?? "manifest.yml", request.Variables);
            return outcome.Plan is { } plan ? Results.Ok(plan) : Invalid(outcome.Errors);
        })
            .WithSummary("What a deploy of this manifest would do, per instance; writes nothing");
        deployments.MapGet("/{name}", (Deployer deployer, string name) => deployer.Deployment(name)).WithSummary("One deployment and its manifest");
        deployments.MapDelete("/{name}", (Deployer deployer, string name) => Accepted(deployer.Delete(name)))
            .WithSummary("Stop every instance, return the nodes to idle stem cells, forget the deployment (a task)");
        deployments.MapGet("/{name}/instances", (Deployer deployer, string name) => deployer.Instances(name))
            .WithSummary("Instances with their nodes, epochs, and what their agents report");
        deployments.MapGet("/{name}/instances/{group}/{index:int}/logs", async (Deployer deployer, string name, string group, int index, CancellationToken cancellation) =>
            Results.Text(await deployer.LogsAsync(name, group, index, cancellation).ConfigureAwait(false)))
            .WithSummary("The tail of the instance's job logs, fetched from its agent");
        deployments.MapPost("/{name}/rollouts", (Deployer deployer, string name, RolloutRequest request) => Accepted(deployer.Rollout(name, To(request), request.AcceptConflicts)))
            .WithSummary("Roll the deployment onto an edition (a task): canaries, batches and watch times of its update block, pause_after_canaries, on_failure halt or rollback");
        deployments.MapPost("/{name}/rollouts/plan", (Deployer deployer, string name, RolloutRequest request) => deployer.PlanRollout(name, To(request)))
            .WithSummary("A rollout's batches per group and the node writes the new edition collides with; writes nothing");
        deployments.MapPost("/{name}/errands/{group}", (Deployer deployer, string name, string group) => Accepted(deployer.RunErrand(name, group)))
            .WithSummary("Run an errand group's instances to completion (a task; the result has exit codes and output)");
    }

    private static void MapReleases(RouteGroupBuilder releases)
    {
        releases.MapGet("/", (Deployer deployer) => deployer.Releases()).WithSummary("Uploaded releases");
        releases.MapPost("/", async (HttpContext context, Deployer deployer) =>
        {
            // The catalog reads the tarball synchronously and Kestrel allows only asynchronous body
            // reads, so the body is spooled to a temporary file first (it may be hundreds of MiB).
            await using var spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920,
                FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await context.Request.Body.CopyToAsync(spool, context.RequestAborted).ConfigureAwait(false);
            spool.Position = 0;
            return Results.Ok(deployer.UploadRelease(spool));
        })
            .WithSummary("Upload a release tarball (application/gzip body); the same bytes again change nothing");
        releases.MapDelete("/{name}/{version}", (Deployer deployer, string name, string version) => deployer.DeleteRelease(name, version))
            .WithSummary("Delete a release version no deployment uses");
    }

    private static void MapStemcells(RouteGroupBuilder stemcells)
    {
        stemcells.MapGet("/", (Deployer deployer) => deployer.Stemcells()).WithSummary("Stem-cell nodes: hardware, labels, liveness, what they hold");
        stemcells.MapPatch("/{mac}", (Deployer deployer, string mac, LabelsRequest request) => deployer.Label(mac, request.Labels))
            .WithSummary("Set (or, with null, remove) labels placement matches");
        stemcells.MapDelete("/{mac}", (Deployer deployer, string mac) => deployer.DeleteStemcell(mac))
            .WithSummary("Forget an idle node (and stop its VM when the qemu provider made it)");
    }

    private static void MapTasks(RouteGroupBuilder tasks)
    {
        tasks.MapGet("/", (DirectorTasks all, string? deployment) => all.List(deployment)).WithSummary("Director tasks, newest first");
        tasks.MapGet("/{id:long}", (DirectorTasks all, long id) =>
            all.Find(id) is { } task ? Results.Ok(task) : Results.Problem(statusCode: 404, title: "not found", detail: $"no director task {id}; GET {Prefix}/director/tasks lists them"))
            .WithSummary("One task with its events and result");
        tasks.MapGet("/{id:long}/events", (HttpContext context, DirectorTasks all, long id) => StreamEventsAsync(context, all, id))
            .WithSummary("The task's events as a server-sent event stream, until it ends");
        tasks.MapPost("/{id:long}/pause", (DirectorTasks all, long id) =>
            all.Pause(id) ? Results.Accepted($"{Prefix}/director/tasks/{id}", all.Find(id))
            : Results.Problem(statusCode: 409, title: "not running", detail: $"task {id} has ended (or does not exist); nothing to pause"))
            .WithSummary("Pause a task at its next pause point (a rollout, between batches)");
        tasks.MapPost("/{id:long}/resume", (DirectorTasks all, long id) =>
            all.Resume(id) ? Results.Accepted($"{Prefix}/director/tasks/{id}", all.Find(id))
            : Results.Problem(statusCode: 409, title: "not running", detail: $"task {id} has ended (or does not exist); nothing to resume"))
            .WithSummary("Let a paused task go on");
        tasks.MapPost("/{id:long}/cancel", (DirectorTasks all, long id) =>
            all.Cancel(id) ? Results.Accepted($"{Prefix}/director/tasks/{id}", all.Find(id))
            : Results.Problem(statusCode: 409, title: "not running", detail: $"task {id} has ended (or does not exist); nothing to cancel"))
            .WithSummary("Cancel a task: it stops at its next step");
    }

    private static async Task StreamEventsAsync(HttpContext context, DirectorTasks tasks, long id)
    {
        if (tasks.Find(id) is null)
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.ContentType = "text/event-stream";
        await foreach (TaskEvent e in tasks.FollowAsync(id, 0, context.RequestAborted).ConfigureAwait(false))
        {
            await context.Response.WriteAsync($"event: step\ndata: {System.Text.Json.JsonSerializer.Serialize(e, DirectorJson.Options)}\n\n", context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        DirectorTaskRecord done = tasks.Find(id)!;
        await context.Response.WriteAsync($"event: done\ndata: {System.Text.Json.JsonSerializer.Serialize(done, DirectorJson.Options)}\n\n", context.RequestAborted).ConfigureAwait(false);
    }

    private static string To(RolloutRequest request) =>
        string.IsNullOrWhiteSpace(request.To) ? throw new DirectorException(DirectorError.Invalid, "say which edition to roll out: {\"to\": \"EDITION\"}") : request.To;

    private static IResult Accepted(DirectorTaskRecord task) => Results.Accepted($"{Prefix}/director/tasks/{task.Id}", task);

    private static IResult Invalid(IReadOnlyList<Manifest.ManifestError> errors) =>
        Results.Problem(statusCode: 422, title: "invalid manifest", detail: string.Join("\n", errors.Select(e => e.ToString())),
            type: "https://unionblock.dev/problems/invalid-manifest",
            extensions: new Dictionary<string, object?> { ["errors"] = errors });
}
