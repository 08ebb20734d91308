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
        ParseResult parsed = Build().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
            {
                Output.Error(error.Message);
            }
            Console.Error.WriteLine("Run 'ubd --help' (or 'ubd COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            // Our own handler below turns expected failures into messages and exit codes.
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (ApiException exception)
        {
            Output.Error(exception.Message);
            if (exception.Status == 400 && exception.Title == "usage")
            {
                Console.Error.WriteLine("Run 'ubd --help' (or 'ubd COMMAND --help') for usage.");
                return ExitCodes.Usage;
            }
            return exception.ExitCode;
        }
        catch (HttpRequestException exception)
        {
            Output.Error($"cannot reach the server: {exception.Message}. Is 'ubd serve' running there?");
            return ExitCodes.Failed;
        }
        catch (StoreException exception)
        {
            Output.Error(exception.Message);
            return exception.Kind switch
            {
                StoreErrorKind.NotFound => ExitCodes.NotFound,
                StoreErrorKind.InUse => ExitCodes.InUse,
                _ => ExitCodes.Failed,
            };
        }
        catch (Exception exception) when (exception is CorruptLayerException or LayerMismatchException)
        {
            Output.Error(exception.Message);
            return ExitCodes.Corrupt;
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Output.Error(exception.Message);
            return ExitCodes.Failed;
        }
    }
}
