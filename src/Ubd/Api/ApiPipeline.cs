using ImageTree.Tree;
using Microsoft.AspNetCore.Http.Features;

namespace Ubd.Api;

/// <summary>Who may call the API.</summary>
/// <param name="TrustLocalCaller">True only for the CLI's in-process host (no socket): the caller
/// already owns the data directory, so tokens would add nothing.</param>
public sealed record ApiOptions(bool TrustLocalCaller = false)
{
    /// <summary>Request bodies are small JSON documents; anything bigger is refused unread.</summary>
    public const long MaxBodyBytes = 64 * 1024;
}

/// <summary>
/// Composition of the HTTP API, shared by `ubd serve` (Kestrel), the CLI's in-process host and the
/// tests (WebApplicationFactory): services, then a pipeline of problem mapping, body limit,
/// authentication and the endpoints.
/// </summary>
public static class ApiPipeline
{
    public static IServiceCollection AddUnionBlockApi(this IServiceCollection services, ImageTreeService tree, ApiOptions options, DeployDirector.DirectorSetup? director = null)
    {
        director?.AddTo(services);
        services.AddSingleton(tree);
        services.AddSingleton(options);
        services.AddSingleton<TaskRunner>();
        services.AddRouting();
        services.AddProblemDetails();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "UnionBlock API";
            document.Info.Description = "The image tree (layers, editions, leaves, attachments, tasks) and the director (deployments, releases, stem cells, director tasks). Bearer tokens: read-only for GET, operator for the rest.";
            return Task.CompletedTask;
        }));
        services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
        return services;
    }

    public static void UseUnionBlockApi(this IApplicationBuilder app)
    {
        app.Use(MapProblems);
        app.Use(LimitBody);
        app.Use(Authenticate);
        app.UseRouting();
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapOpenApi("/openapi/{documentName}.json");
            endpoints.MapUnionBlockApi();
            if (endpoints.ServiceProvider.GetService<DeployDirector.DirectorSetup>() is not null)
            {
                DeployDirector.Api.DirectorEndpoints.MapDirector(endpoints);
            }
            if (endpoints.ServiceProvider.GetService<Boot.BootOptions>() is not null)
            {
                Boot.BootEndpoints.MapBootService(endpoints);
            }
        });
    }

    private static async Task MapProblems(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (!context.Response.HasStarted)
        {
            (int status, string title, string detail) = ProblemMapping.Describe(exception);
            if (status == StatusCodes.Status500InternalServerError)
            {
                context.RequestServices.GetRequiredService<ILogger<ApiOptions>>().LogError(exception, "request {Path} failed", context.Request.Path);
            }
            await WriteProblem(context, status, title, detail).ConfigureAwait(false);
        }
    }

    private static async Task LimitBody(HttpContext context, RequestDelegate next)
    {
        long most = BodyLimit(context.Request.Path);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = most;
        }
        if (context.Request.ContentLength > most)
        {
            await WriteProblem(context, StatusCodes.Status413PayloadTooLarge, "body too large",
                $"request bodies here are at most {most} bytes").ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    /// <summary>Most routes take small JSON; release tarballs, manifests and agents' results are bigger.</summary>
    public static long BodyLimit(PathString path) =>
        path.StartsWithSegments("/api/v1/releases") ? DeployDirector.Api.DirectorEndpoints.MaxReleaseBytes
        : path.StartsWithSegments("/api/v1/deployments") ? 2 * DeployDirector.Manifest.ManifestLoader.MaxBytes
        : path.StartsWithSegments("/agent") ? DeployDirector.Api.AgentEndpoints.MaxBodyBytes
        : ApiOptions.MaxBodyBytes;

    private static async Task Authenticate(HttpContext context, RequestDelegate next)
    {
        PathString path = context.Request.Path;
        // Nodes booting have no token: the boot service is open (it only reads, and registers new nodes).
        // Agents authenticate with their node credential in the agent endpoints, never an operator token.
        bool open = path.StartsWithSegments("/healthz") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/boot") || path.StartsWithSegments("/agent");
        if (open || context.RequestServices.GetRequiredService<ApiOptions>().TrustLocalCaller)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        string header = context.Request.Headers.Authorization.ToString();
        TokenInfo? caller = header.StartsWith("Bearer ", StringComparison.Ordinal)
            ? context.RequestServices.GetRequiredService<ImageTreeService>().Authenticate(header["Bearer ".Length..].Trim())
            : null;
        if (caller is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteProblem(context, StatusCodes.Status401Unauthorized, "unauthorized",
                header.Length == 0
                    ? "this API needs a token: pass --token-file FILE or set UBD_TOKEN (HTTP: 'Authorization: Bearer TOKEN'). An operator makes one with "
                      + "'ubd token create NAME --role Operator' through their own token, or — only while no server runs on it — with --data DIR"
                    : "the token was not recognised (mistyped, or deleted); ask an operator for a new one ('ubd token create NAME --role Operator')").ConfigureAwait(false);
            return;
        }
        bool reads = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        if (!reads && caller.Role != TokenRole.Operator)
        {
            await WriteProblem(context, StatusCodes.Status403Forbidden, "forbidden",
                $"token '{caller.Name}' is read-only; changes need an operator token").ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    private static Task WriteProblem(HttpContext context, int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title, type: ProblemMapping.Type(title), instance: context.Request.Path)
            .ExecuteAsync(context);
}
