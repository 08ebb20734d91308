using DeployDirector.Contracts;
using DeployDirector.Live;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DeployDirector.Api;

/// <summary>
/// The agent protocol over HTTP (routes in <see cref="AgentProtocol"/>). Agents authenticate with
/// their node credential, never an operator token; a credential opens only its own node's channel.
/// 409 tells an agent to register again (unknown boot, or the director restarted).
/// </summary>
public static class AgentEndpoints
{
    /// <summary>The largest body an agent may send (a result with output or logs).</summary>
    public const long MaxBodyBytes = AgentProtocol.MaxOutputBytes * 2 + 64 * 1024;

    public static void MapAgentProtocol(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder agent = app.MapGroup("/agent/v1").WithTags("agent").ExcludeFromDescription();
        agent.MapPost("/register", async (HttpContext context, NodeRegistry nodes) =>
        {
            if (Authenticated(context, nodes) is not { } mac)
            {
                return Unauthorized();
            }
            AgentRegistration? registration = await Body(context, AgentJson.Default.AgentRegistration).ConfigureAwait(false);
            return registration is null ? BadBody()
                : registration.Mac.Equals(mac, StringComparison.OrdinalIgnoreCase) ? Results.Json(nodes.Register(mac, registration), AgentJson.Default.RegistrationAck)
                : Results.Problem(statusCode: 403, title: "forbidden", detail: $"this credential belongs to node {mac}, not {registration.Mac}");
        });
        agent.MapPost("/heartbeat", async (HttpContext context, NodeRegistry nodes, AgentHub hub) =>
        {
            if (Authenticated(context, nodes) is not { } mac)
            {
                return Unauthorized();
            }
            AgentHeartbeat? heartbeat = await Body(context, AgentJson.Default.AgentHeartbeat).ConfigureAwait(false);
            return heartbeat is null ? BadBody()
                : hub.Heartbeat(mac, heartbeat) is { } ack ? Results.Json(ack, AgentJson.Default.HeartbeatAck)
                : RegisterAgain();
        });
        agent.MapGet("/commands", async (HttpContext context, NodeRegistry nodes, AgentHub hub, int? waitMs, string? bootId) =>
        {
            if (Authenticated(context, nodes) is not { } mac)
            {
                return Unauthorized();
            }
            AgentCommand[]? commands = await hub.PollAsync(mac, bootId, waitMs ?? 0, context.RequestAborted).ConfigureAwait(false);
            return commands is null ? RegisterAgain() : Results.Json(commands, AgentJson.Default.AgentCommandArray);
        });
        agent.MapPost("/results", async (HttpContext context, NodeRegistry nodes, AgentHub hub) =>
        {
            if (Authenticated(context, nodes) is not { } mac)
            {
                return Unauthorized();
            }
            CommandResult? result = await Body(context, AgentJson.Default.CommandResult).ConfigureAwait(false);
            if (result is null)
            {
                return BadBody();
            }
            hub.Complete(mac, result);
            return Results.NoContent();
        });
        agent.MapGet("/blobs/{sha256}", (HttpContext context, NodeRegistry nodes, ArchiveGrants grants, string sha256) =>
            Authenticated(context, nodes) is not { } mac ? Unauthorized()
            : grants.Open(mac, sha256) is { } file ? Results.File(file, "application/gzip", enableRangeProcessing: true)
            : Results.NotFound());
    }

    /// <summary>Agents speak the protocol's own JSON (snake_case, source-generated), not the operator API's.</summary>
    private static async Task<T?> Body<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return await System.Text.Json.JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static IResult BadBody() =>
        Results.Problem(statusCode: 400, title: "bad request body", detail: "the body is not the protocol's JSON for this route (see DeployDirector.Contracts)");

    private static string? Authenticated(HttpContext context, NodeRegistry nodes)
    {
        string header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? nodes.Authenticate(header["Bearer ".Length..].Trim()) : null;
    }

    private static IResult Unauthorized() =>
        Results.Problem(statusCode: 401, title: "unauthorized", detail: "send the node credential from the kernel command line (ubd.credential=) as 'Authorization: Bearer CREDENTIAL'");

    private static IResult RegisterAgain() =>
        Results.Problem(statusCode: 409, title: "register again", detail: "the director does not know this boot of the agent: POST " + AgentProtocol.Register);
}
