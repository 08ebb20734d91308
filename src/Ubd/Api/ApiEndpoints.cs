using System.Text.Json;
using ImageTree.Tree;
using UnionBlock.Store;

namespace Ubd.Api;

/// <summary>The image tree's HTTP resources. Handlers only translate: the tree validates and acts,
/// <see cref="ApiPipeline"/> turns refusals into problem+json.</summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    public static void MapUnionBlockApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup(Prefix);
        MapLayers(api.MapGroup("/layers").WithTags("layers"));
        MapLeaves(api.MapGroup("/leaves").WithTags("leaves"));
        MapEditions(api);
        MapOperations(api);
        MapTasks(api.MapGroup("/tasks").WithTags("tasks"));
        MapNodes(api);
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).WithTags("health").WithSummary("Liveness check (no token needed)");
    }

    private static void MapLayers(RouteGroupBuilder layers)
    {
        layers.MapGet("/", (ImageTreeService tree, LayerKind? kind, string? label) => tree.List(kind, label))
            .WithSummary("List layers, optionally of one kind or with a label (key or key=value)");
        layers.MapGet("/{name}", (ImageTreeService tree, string name) => tree.Describe(tree.Resolve(name)))
            .WithSummary("One layer (a lineage name means its latest edition)");
        layers.MapPatch("/{name}", (ImageTreeService tree, string name, LayerPatch patch) => tree.Describe(tree.Update(name, patch)))
            .WithSummary("Change labels (null value removes), protection, pinning, quotas");
        layers.MapDelete("/{name}", (ImageTreeService tree, string name, bool? recursive, bool? allEditions, bool? dryRun) =>
                tree.Delete(name, recursive ?? false, allEditions ?? false, dryRun ?? false))
            .WithSummary("Delete a layer; with recursive=true everything built on it too (never protected layers); a lineage's name needs allEditions=true; dryRun=true reports only");
        layers.MapGet("/{name}/space", (ImageTreeService tree, string name) => tree.Space(name))
            .WithSummary("Space accounting: written, referenced, unique, used by children");
        layers.MapPost("/{name}/refresh", (ImageTreeService tree, string name, RefreshRequest request) => tree.Refresh(name, request.To, request.AtNextBoot, request.ToOptions()))
            .WithSummary("Move a layer onto a newer edition of its parent, with a conflict report (downgrades and other lineages only when asked; dryRun reports only)");
        layers.MapPost("/{name}/flatten", (ImageTreeService tree, TaskRunner tasks, string name, FlattenRequest? request) => request is { DryRun: true }
            ? Results.Ok(tree.PreviewFlatten(name, request.NewBase))
            : Accepted(tasks.Start("flatten", name, tree.Resolve(name).Size, (p, c) => tree.Flatten(name, request?.NewBase, p, c))))
            .WithSummary("Copy ancestor blocks so the layer stands alone (a task)");
        layers.MapPost("/{name}/export", (ImageTreeService tree, TaskRunner tasks, string name, ExportRequest request) =>
            Accepted(tasks.Start("export", name, tree.Resolve(name).Size, (p, c) => new { bytesWritten = tree.Export(name, request.Path, request.Format, p, c), path = request.Path })))
            .WithSummary("Write the layer's flat disk (raw sparse or qcow2) to a file on the server (a task)");
        layers.MapPost("/{name}/send", (ImageTreeService tree, TaskRunner tasks, string name, SendRequest request) =>
            Accepted(tasks.Start("send", name, tree.SendProgressTotal(name, request.Since), (p, c) => tree.Send(name, request.Since, request.Output, p, c))))
            .WithSummary("Write the edition as a stream file on the server, whole or the changes since an older edition (a task)");
    }

    private static void MapLeaves(RouteGroupBuilder leaves)
    {
        leaves.MapGet("/", (ImageTreeService tree) => tree.List(LayerKind.Leaf)).WithSummary("List leaves");
        leaves.MapPost("/", (ImageTreeService tree, LeafRequest request) =>
            Created(tree.Describe(tree.CreateLeaf(request.Name, request.Parent, request.QuotaBytes, request.SoftQuotaBytes))))
            .WithSummary("Register a node's leaf (instant)");
        leaves.MapPost("/{name}/freeze", (ImageTreeService tree, string name, FreezeRequest request) => request.DryRun
                ? Results.Ok(tree.PreviewFreeze(name, request.Into, request.AllowEmpty))
                : Created(tree.Describe(tree.Freeze(name, request.Into, request.AllowEmpty))))
            .WithSummary("Seal the leaf into the next edition of a lineage; an attached node keeps running");
        leaves.MapPost("/{name}/reconcile", (ImageTreeService tree, string name, ReconcileRequest? request) => request is { DryRun: true }
                ? Results.Ok(tree.PreviewReconcile(name, request.AllowEmpty))
                : Created(tree.Describe(tree.Reconcile(name, request?.AllowEmpty ?? false))))
            .WithSummary("Fold the leaf into a new edition of its parent's lineage");
        leaves.MapPost("/{name}/reset", (ImageTreeService tree, string name) => tree.Describe(tree.ResetLeaf(name)))
            .WithSummary("Discard the leaf's writes: it reads as its edition again (not while a node has it)");
        leaves.MapPost("/{name}/clone", (ImageTreeService tree, string name, CloneRequest request) => Created(tree.Describe(tree.CloneLeaf(name, request.Name))))
            .WithSummary("A new leaf over the same edition with a copy of this leaf's writes");
        leaves.MapPost("/{name}/rename", (ImageTreeService tree, string name, RenameRequest request) => tree.Describe(tree.RenameLeaf(name, request.To)))
            .WithSummary("Rename a leaf no node owns");
        leaves.MapPost("/{name}/compact", (ImageTreeService tree, string name) => tree.Compact(name))
            .WithSummary("Rewrite the leaf's log without overwritten blocks");
    }

    private static void MapEditions(RouteGroupBuilder api)
    {
        api.MapGet("/editions", (ImageTreeService tree) => tree.Lineages()).WithTags("editions").WithSummary("Lineages and their editions");
        api.MapPost("/images", (ImageTreeService tree, TaskRunner tasks, ImportRequest request) =>
        {
            long size = ImageTree.Operations.TreeImport.ProgressTotal(request.Path);
            return Accepted(tasks.Start("import", request.Lineage, size, (p, c) => tree.Import(request.Lineage, request.Path, request.Format, request.DeltaOver, p, c, request.AllowEmpty)));
        }).WithTags("editions").WithSummary("Import an image file on the server as the next edition (a task)");
        api.MapPost("/images/receive", (ImageTreeService tree, TaskRunner tasks, ReceiveRequest request) =>
            Accepted(tasks.Start("receive", request.Lineage ?? "", ImageTreeService.ReceiveProgressTotal(request.Path), (p, c) => tree.Receive(request.Path, request.Lineage, request.Over, p, c))))
            .WithTags("editions").WithSummary("Publish the edition a stream file on the server carries (a task; a damaged stream publishes nothing)");
        api.MapPost("/branches", (ImageTreeService tree, BranchRequest request) => Created(tree.Describe(tree.CreateBranch(request.Lineage, request.Parent))))
            .WithTags("editions").WithSummary("Create a service group's branch over a frozen layer");
    }

    private static void MapOperations(RouteGroupBuilder api)
    {
        api.MapGet("/space", (ImageTreeService tree) => tree.TreeSpace())
            .WithTags("layers").WithSummary("The whole tree's space: each layer's provisioned, used, written and referenced bytes, and the total against full copies per leaf");
        api.MapGet("/diff", (ImageTreeService tree, string from, string to) => tree.Diff(from, to))
            .WithTags("layers").WithSummary("Changed extents and bytes between two layers' disks");
        api.MapPost("/reconcile", (ImageTreeService tree, TaskRunner tasks, HoistRequest request) => request.DryRun
            ? Results.Ok(tree.PreviewHoist(request.Parent, request.Percent, request.AllowEmpty))
            : Accepted(tasks.Start("reconcile", request.Parent, 0, (p, c) => tree.Hoist(request.Parent, request.Percent, p, c, request.AllowEmpty))))
            .WithTags("editions").WithSummary("Hoist blocks most leaves share into a new edition of their parent (a task)");
        api.MapGet("/attachments", (ImageTreeService tree) => tree.Attachments()).WithTags("attachments").WithSummary("Nodes attached to leaves");
        api.MapDelete("/attachments/{leaf}", (ImageTreeService tree, string leaf) =>
        {
            tree.ForgetAttachment(leaf);
            return Results.NoContent();
        }).WithTags("attachments").WithSummary("Forget a node's attachment (the node is known to be off)");
        api.MapGet("/events", (ImageTreeService tree, long? after) => tree.Events(after ?? 0)).WithTags("events").WithSummary("Stored events after a sequence number");
        api.MapGet("/events/stream", StreamEvents).WithTags("events").WithSummary("Events as they happen (text/event-stream)");
        api.MapGet("/tokens", (ImageTreeService tree) => tree.Tokens()).WithTags("tokens").WithSummary("API tokens (names and roles; never the tokens)");
        api.MapPost("/tokens", (ImageTreeService tree, TokenRequest request) =>
            Created(new TokenCreated(request.Name, request.Role.ToString(), tree.CreateToken(request.Name, request.Role))))
            .WithTags("tokens").WithSummary("Create a token (shown once)");
    }

    private static void MapTasks(RouteGroupBuilder tasks)
    {
        tasks.MapGet("/", (TaskRunner runner) => runner.All().Select(t => t.View())).WithSummary("Recent tasks, newest first");
        tasks.MapGet("/{id}", (TaskRunner runner, string id) => runner.Get(id) is { } task ? Results.Ok(task.View()) : NoTask(id))
            .WithSummary("A task's state, progress and result");
        tasks.MapGet("/{id}/events", StreamTask).WithSummary("A task's progress as it happens (text/event-stream)");
    }

    private static void MapNodes(RouteGroupBuilder api)
    {
        RouteGroupBuilder nodes = api.MapGroup("/nodes").WithTags("nodes");
        nodes.MapGet("/", (ImageTreeService tree) => tree.Nodes()).WithSummary("Nodes: MAC, leaf, edition, boots, bytes read and written");
        nodes.MapGet("/{mac}", (ImageTreeService tree, string mac) => tree.Node(mac)).WithSummary("One node");
        nodes.MapPatch("/{mac}", (ImageTreeService tree, string mac, NodeSettingsRequest request) => tree.SetNode(mac, request.Edition, request.KernelArgs))
            .WithSummary("A node's own boot settings: the edition it boots next (applied at its next boot) and kernel arguments");
        nodes.MapPost("/{mac}/fence", (ImageTreeService tree, string mac, FenceRequest? request) =>
        {
            tree.Fence(mac, request?.Reason ?? FenceRequest.DefaultReason);
            return tree.Node(mac);
        }).WithSummary("Fence a node on the storage path: its open NBD connections end and its leaf refuses it until unfenced (idempotent)");
        nodes.MapDelete("/{mac}/fence", (ImageTreeService tree, string mac) =>
        {
            tree.Unfence(mac);
            return tree.Node(mac);
        }).WithSummary("Lift a node's fence: its leaf serves it again (idempotent)");
        api.MapGet("/fences", (ImageTreeService tree) => tree.Fences()).WithTags("nodes").WithSummary("Fenced nodes: MAC, leaf, reason, since");
        api.MapGet("/boot-groups", (ImageTreeService tree) => tree.BootGroups()).WithTags("nodes").WithSummary("Boot settings per group");
        api.MapPut("/boot-groups/{group}", (ImageTreeService tree, string group, NodeSettingsRequest request) => tree.SetBootGroup(group, request.Edition, request.KernelArgs))
            .WithTags("nodes").WithSummary("Boot settings for every node whose leaf sits on an edition of this lineage");
    }

    private static async Task StreamTask(HttpContext context, TaskRunner runner, string id)
    {
        if (runner.Get(id) is not { } task)
        {
            await NoTask(id).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        StartEventStream(context);
        CancellationToken aborted = context.RequestAborted;
        while (!aborted.IsCancellationRequested)
        {
            Task changed = task.Changed(aborted);
            TaskView view = task.View();
            // Decide from the snapshot just written: the task may finish in between, and then the
            // next round sends "done".
            bool finished = view.Finished is not null;
            await WriteEvent(context, finished ? "done" : "progress", view).ConfigureAwait(false);
            if (finished)
            {
                return;
            }
            try
            {
                await Task.WhenAny(changed, Task.Delay(1000, aborted)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task StreamEvents(HttpContext context, ImageTreeService tree)
    {
        StartEventStream(context);
        var queue = System.Threading.Channels.Channel.CreateUnbounded<TreeEvent>();
        void OnEvent(TreeEvent e) => queue.Writer.TryWrite(e);
        tree.EventPublished += OnEvent;
        try
        {
            await foreach (TreeEvent e in queue.Reader.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
            {
                await WriteEvent(context, e.Kind, e).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // the client went away
        }
        finally
        {
            tree.EventPublished -= OnEvent;
        }
    }

    private static void StartEventStream(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
    }

    private static async Task WriteEvent(HttpContext context, string name, object payload)
    {
        string json = JsonSerializer.Serialize(payload, ApiJson.Options);
        await context.Response.WriteAsync($"event: {name}\ndata: {json}\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static IResult Accepted(ApiTask task) => Results.Accepted($"{Prefix}/tasks/{task.Id}", task.View());

    private static IResult Created<T>(T body) => Results.Json(body, ApiJson.Options, statusCode: StatusCodes.Status201Created);

    private static IResult NoTask(string id) => Results.Problem(
        detail: $"no task '{id}' (tasks are kept in memory: a restart forgets them). 'ubd task list' shows the recent ones.",
        statusCode: 404, title: "not found", type: ProblemMapping.Type("not found"));
}
