using DeployDirector.Patching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DeployDirector.Api;

/// <summary><c>POST /api/v1/images/{lineage}/patches</c>: a scripted patch of a lineage (a task).</summary>
internal static class PatchEndpoints
{
    public static void MapPatches(this RouteGroupBuilder api)
    {
        api.MapPost("/images/{lineage}/patches", async (HttpContext context, PatchRunner patches, string lineage, int? timeout) =>
        {
            // The archive is checked and hashed in passes, and Kestrel reads bodies only asynchronously:
            // spooled to a temporary file first, never more than the limit.
            if (context.Request.ContentLength > PatchRunner.MaxArchiveBytes)
            {
                throw new DirectorException(DirectorError.Invalid, $"the patch archive is larger than {PatchRunner.MaxArchiveBytes >> 20} MiB");
            }
            await using var spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920,
                FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            byte[] buffer = new byte[81920];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (spool.Length + read > PatchRunner.MaxArchiveBytes)
                {
                    throw new DirectorException(DirectorError.Invalid, $"the patch archive is larger than {PatchRunner.MaxArchiveBytes >> 20} MiB");
                }
                await spool.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
            }
            spool.Position = 0;
            var task = patches.Start(lineage, spool, timeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
            return Results.Accepted($"{DirectorEndpoints.Prefix}/director/tasks/{task.Id}", task);
        })
            .WithTags("images")
            .WithSummary("Make the lineage's next edition by running patch.sh in a worker VM over its latest edition (a task; body: a gzip'd tar of patch.sh and files/; ?timeout=SECONDS for the script)");
    }
}
