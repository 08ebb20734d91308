using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using DeployDirector.Serving;
using Microsoft.Extensions.Logging;
using NbdServer;
using NbdServer.Hosting;
using UnionBlock.Store;

namespace DeployDirector.Cli;

/// <summary>`ubd serve`: the long-running server.</summary>
internal static class ServeCommand
{
    public const string DefaultNbdEndpoint = "127.0.0.1:10809";

    public static Command Build()
    {
        Option<DirectoryInfo> data = CommonOptions.Data();
        Option<string> nbdListen = new("--nbd-listen")
        {
            Description = "Address and port for NBD clients (port 0 picks a free one)",
            DefaultValueFactory = _ => DefaultNbdEndpoint,
            HelpName = "ADDR:PORT",
        };
        Option<string?> autoLeaf = new("--auto-leaf")
        {
            Description = "Give an unknown export name a new leaf over LAYER on first connect (new nodes get disks instantly)",
            HelpName = "LAYER",
        };
        Option<LogLevel> logLevel = new("--log-level")
        {
            Description = "Least severe log messages to print (Trace, Debug, Information, Warning, Error)",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var command = new Command("serve", "Serve every layer over NBD: leaves writable by name, frozen layers read-only")
        {
            data, nbdListen, autoLeaf, logLevel,
        };
        command.SetAction((result, cancellation) => RunAsync(
            result.GetValue(data)!.FullName, result.GetValue(nbdListen)!, result.GetValue(autoLeaf), result.GetValue(logLevel), cancellation));
        return command;
    }

    private static async Task<int> RunAsync(string dataDirectory, string endpointText, string? autoLeaf, LogLevel level, CancellationToken cancellation)
    {
        if (!IPEndPoint.TryParse(endpointText, out IPEndPoint? endpoint))
        {
            Output.Error($"--nbd-listen '{endpointText}' is not ADDR:PORT (for example {DefaultNbdEndpoint})");
            return ExitCodes.Usage;
        }
        using ILoggerFactory logging = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(level)
            .AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = "HH:mm:ss.fff ";
            })
            .AddFilter((_, _) => true));
        ILogger logger = logging.CreateLogger("ubd");
        using LayerStore store = LayerStore.Open(dataDirectory);
        if (autoLeaf is not null && store.Find(autoLeaf) is { IsFrozen: false })
        {
            Output.Error($"--auto-leaf {autoLeaf} names a leaf; new leaves need a root or branch as parent");
            return ExitCodes.Usage;
        }
        if (autoLeaf is not null)
        {
            store.Get(autoLeaf);
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        await using (var listener = new NbdListener(endpoint, new StoreExportProvider(store, autoLeaf), new NbdServerOptions(), logger))
        {
            listener.Start();
            // Scripts wait for this line.
            Console.Out.WriteLine($"ubd: serving NBD on {listener.LocalEndPoint} (data {dataDirectory}{(autoLeaf is null ? string.Empty : $", auto-leaf over {autoLeaf}")})");
            Console.Out.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                logger.LogInformation("shutting down: finishing in-flight requests");
            }
        }
        return ExitCodes.Success;
    }
}
