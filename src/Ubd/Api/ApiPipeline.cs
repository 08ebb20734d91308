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
    public static IServiceCollection AddUnionBlockApi(this IServiceCollection services, ImageTreeService tree, ApiOptions options)
    {
        services.AddSingleton(tree);
        services.AddSingleton(options);
        services.AddSingleton<TaskRunner>();
        services.AddRouting();
        services.AddProblemDetails();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "UnionBlock image tree API";
            document.Info.Description = "Layers, editions, leaves, attachments and tasks. Bearer tokens: read-only for GET, operator for the rest.";
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
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = ApiOptions.MaxBodyBytes;
        }
        if (context.Request.ContentLength > ApiOptions.MaxBodyBytes)
        {
            await WriteProblem(context, StatusCodes.Status413PayloadTooLarge, "body too large",
                $"request bodies are at most {ApiOptions.MaxBodyBytes} bytes of JSON").ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    private static async Task Authenticate(HttpContext context, RequestDelegate next)
    {
        PathString path = context.Request.Path;
        // Nodes booting have no token: the boot service is open (it only reads, and registers new nodes).
        bool open = path.StartsWithSegments("/healthz") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/boot");
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
                "send 'Authorization: Bearer TOKEN'. Create a token on the server: ubd token create NAME --role operator --data DIR").ConfigureAwait(false);
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
