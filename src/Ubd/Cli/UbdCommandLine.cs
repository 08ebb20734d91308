using System.CommandLine;
using UnionBlock;
using UnionBlock.Store;

namespace Ubd.Cli;

/// <summary>The `ubd` command tree and the translation of failures into messages and exit codes.</summary>
internal static class UbdCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "UnionBlock: one read-only root image, a copy-on-write disk for every network-booted node, served over NBD.")
        {
            ServeCommand.Build(),
            ImageCommands.Build(),
            BranchCommands.Build(),
            LeafCommands.Build(),
            LayerCommands.Build(),
            LayerCommands.Export(),
            TaskCommands.Tasks(),
            TaskCommands.Events(),
            TaskCommands.Attachments(),
            TaskCommands.Tokens(),
            NodeCommands.Build(),
            ReleaseCommands.Releases(),
            DeployCommands.Deploy(),
            DeployCommands.Deployments(),
            DeployCommands.Instances(),
            DeployCommands.Errands(),
            RolloutCommands.Build(),
            ReleaseCommands.Stemcells(),
            GroupCommands.Build(),
            DirectorTaskCommands.Build(),
        };
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        bool json = args.Contains("--json");
        ParseResult parsed = Build().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            return Fail(json, "usage", UsageErrors.Describe(parsed), ExitCodes.Usage, UsageHint);
        }
        try
        {
            // Our own handler below turns expected failures into messages and exit codes.
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (ApiException exception)
        {
            bool usage = exception.Status == 400 && exception.Title == "usage";
            return Fail(json, exception.Title, exception.Message, exception.ExitCode, usage ? UsageHint : null);
        }
        catch (HttpRequestException exception)
        {
            return Fail(json, "unreachable", $"cannot reach the server: {exception.Message}. Is 'ubd serve' running there?", ExitCodes.Failed);
        }
        catch (StoreException exception)
        {
            return Fail(json, Api.ProblemMapping.Describe(exception).Title, exception.Message, exception.Kind switch
            {
                StoreErrorKind.NotFound => ExitCodes.NotFound,
                StoreErrorKind.InUse => ExitCodes.InUse,
                StoreErrorKind.InvalidArgument => ExitCodes.Usage,
                _ => ExitCodes.Failed,
            });
        }
        catch (Exception exception) when (exception is CorruptLayerException or LayerMismatchException)
        {
            return Fail(json, "layer damaged", exception.Message, ExitCodes.Corrupt);
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return Fail(json, "failed", exception.Message, ExitCodes.Failed);
        }
    }

    private const string UsageHint = "Run 'ubd --help' (or 'ubd COMMAND --help') for usage.";

    /// <summary>One line on stderr for people; with --json the same as an object on stdout for scripts.</summary>
    private static int Fail(bool json, string title, string message, int exitCode, string? hint = null)
    {
        if (json)
        {
            Output.Json(new { error = new { title, message, exitCode } });
        }
        else
        {
            Output.Error(message);
            if (hint is not null)
            {
                Console.Error.WriteLine(hint);
            }
        }
        return exitCode;
    }
}
