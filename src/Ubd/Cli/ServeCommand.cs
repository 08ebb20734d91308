using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Ubd.Serving;
using Microsoft.Extensions.Logging;
using NbdServer;
using NbdServer.Hosting;
using Ubd.Api;
using ImageTree.Tree;

namespace Ubd.Cli;

/// <summary>`ubd serve`: the long-running server.</summary>
internal static class ServeCommand
{
    public const string DefaultNbdEndpoint = "127.0.0.1:10809";
    public const int DefaultHttpPort = 8479;
    public const string DefaultDnsZone = "ubd.internal.";

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
        Option<string> httpListen = new("--http-listen")
        {
            Description = "Address and port of the HTTP API ('none' turns it off; port 0 picks a free one)",
            DefaultValueFactory = _ => $"127.0.0.1:{DefaultHttpPort}",
            HelpName = "ADDR:PORT",
        };
        Option<DirectoryInfo?> bootFiles = new("--boot-files")
        {
            Description = "Serve network boot from this folder (vmlinuz, initrd.img): iPXE scripts by MAC at /boot/ipxe; see images/",
            HelpName = "DIR",
        };
        Option<string?> bootEdition = new("--boot-edition")
        {
            Description = "The edition an unknown node's new leaf starts from (default: --auto-leaf's layer)",
            HelpName = "LAYER",
        };
        Option<string> advertise = new("--advertise")
        {
            Description = "Host name or address nodes use to reach this server (10.0.2.2 for QEMU user networking)",
            DefaultValueFactory = _ => "10.0.2.2",
            HelpName = "HOST",
        };
        Option<string> provider = new("--provider")
        {
            Description = "Where the director gets nodes when a deployment needs more: pxe (bare metal: wait for them to PXE-boot) or qemu (start emulated ones; needs --boot-files)",
            DefaultValueFactory = _ => "pxe",
            HelpName = "pxe|qemu",
        };
        provider.AcceptOnlyFromAmong("pxe", "qemu");
        Option<int[]> qemuForward = new("--qemu-forward")
        {
            Description = "Guest TCP ports each emulated node forwards from a free loopback port (shown by 'ubd stemcell list')",
            DefaultValueFactory = _ => [80],
            AllowMultipleArgumentsPerToken = true,
            HelpName = "PORT",
        };
        Option<string> dnsListen = new("--dns-listen")
        {
            Description = "Answer DNS (UDP and TCP) for service groups' endpoints on this address and port ('none', the default, turns it off; port 0 picks a free one)",
            DefaultValueFactory = _ => "none",
            HelpName = "ADDR:PORT",
        };
        Option<string> dnsZone = new("--dns-zone")
        {
            Description = "The zone the DNS server answers for: GROUP.DEPLOYMENT.ZONE names a group's available members",
            DefaultValueFactory = _ => DefaultDnsZone,
            HelpName = "ZONE",
        };
        Option<LogLevel> logLevel = new("--log-level")
        {
            Description = "Least severe log messages to print (Trace, Debug, Information, Warning, Error)",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var command = new Command("serve", "Serve every layer over NBD (leaves writable by name, frozen layers read-only) and the image tree's HTTP API")
        {
            data, nbdListen, httpListen, autoLeaf, bootFiles, bootEdition, advertise, provider, qemuForward, dnsListen, dnsZone, logLevel,
        };
        command.SetAction((result, cancellation) =>
        {
            string? edition = result.GetValue(bootEdition) ?? result.GetValue(autoLeaf);
            Boot.BootOptions? boot = result.GetValue(bootFiles) is { } files
                ? new Boot.BootOptions { FilesDirectory = files.FullName, DefaultEdition = edition ?? "", AdvertisedHost = result.GetValue(advertise)! }
                : null;
            var director = new DirectorChoice(result.GetValue(provider)!, result.GetValue(qemuForward)!, result.GetValue(dnsListen)!, result.GetValue(dnsZone)!);
            return RunAsync(result.GetValue(data)!.FullName, result.GetValue(nbdListen)!, result.GetValue(httpListen)!, result.GetValue(autoLeaf), boot, director, result.GetValue(logLevel), cancellation);
        });
        return command;
    }

    /// <summary>The director's infrastructure provider and its DNS listener as the command line chose them.</summary>
    private sealed record DirectorChoice(string Provider, int[] QemuForwards, string DnsListen, string DnsZone);

    private static async Task<int> RunAsync(string dataDirectory, string endpointText, string httpText, string? autoLeaf, Boot.BootOptions? boot, DirectorChoice choice, LogLevel level, CancellationToken cancellation)
    {
        if (!IPEndPoint.TryParse(endpointText, out IPEndPoint? endpoint))
        {
            Output.Error($"--nbd-listen '{endpointText}' is not ADDR:PORT (for example {DefaultNbdEndpoint})");
            return ExitCodes.Usage;
        }
        IPEndPoint? httpEndpoint = null;
        if (httpText != "none" && !IPEndPoint.TryParse(httpText, out httpEndpoint))
        {
            Output.Error($"--http-listen '{httpText}' is not ADDR:PORT or 'none' (for example 127.0.0.1:{DefaultHttpPort})");
            return ExitCodes.Usage;
        }
        IPEndPoint? dnsEndpoint = null;
        if (choice.DnsListen != "none" && !IPEndPoint.TryParse(choice.DnsListen, out dnsEndpoint))
        {
            Output.Error($"--dns-listen '{choice.DnsListen}' is not ADDR:PORT or 'none' (for example 127.0.0.1:5353)");
            return ExitCodes.Usage;
        }
        if (!ValidZone(choice.DnsZone))
        {
            Output.Error($"--dns-zone '{choice.DnsZone}' is not a DNS name (labels of letters, digits and '-', for example {DefaultDnsZone})");
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
        using ImageTreeService tree = ImageTreeService.Open(dataDirectory);
        if (autoLeaf is not null && !tree.Resolve(autoLeaf).IsFrozen)
        {
            Output.Error($"--auto-leaf {autoLeaf} names a leaf; new leaves need a root or branch as parent");
            return ExitCodes.Usage;
        }
        if (boot is not null && BootProblem(tree, boot, httpEndpoint) is { } problem)
        {
            Output.Error(problem);
            return ExitCodes.Usage;
        }
        if (choice.Provider == "qemu" && boot is null)
        {
            Output.Error("--provider qemu needs --boot-files (and --boot-edition): emulated nodes PXE-boot from this server");
            return ExitCodes.Usage;
        }
        var directorOptions = new DeployDirector.DirectorOptions(choice.Provider)
        {
            Qemu = boot is null ? null : new DeployDirector.Providers.Qemu.QemuOptions(Path.Combine(dataDirectory, "qemu"), () => $"{boot.BaseUrl}/boot/ipxe") { ForwardPorts = choice.QemuForwards },
        };
        using DeployDirector.DirectorSetup director = DeployDirector.DirectorSetup.Open(dataDirectory, tree, directorOptions, logging.CreateLogger("director"));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            // Shut down on the pool, not inline in the signal handler (which must return at once). The
            // command may already be ending (another signal, or the lifetime) and have disposed the source.
            ThreadPool.QueueUserWorkItem(_ =>
            {
                try
                {
                    stop.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
            });
        });
        var fences = new NodeFenceGate(tree);
        NbdListener bound;
        try
        {
            bound = new NbdListener(endpoint, new StoreExportProvider(tree, autoLeaf), new NbdServerOptions(), logger, fences);
        }
        catch (Exception exception) when (AddressTaken(exception))
        {
            Output.Error($"the NBD address {endpoint} is taken (another 'ubd serve', qemu-nbd or nbd-server?); stop that, or choose another with --nbd-listen ADDR:PORT");
            return ExitCodes.InUse;
        }
        await using NbdListener listener = bound;
        using IDisposable fencing = fences.CloseConnectionsOnFence(listener.Connections);
        using IDisposable reboots = EarlierBootConnections.CloseOnBoot(tree, listener.Connections);
        listener.Start();
        if (boot is not null)
        {
            boot.NbdPort = listener.LocalEndPoint.Port;
        }
        WebApplication? http;
        try
        {
            http = httpEndpoint is null ? null : await StartHttpAsync(tree, director, httpEndpoint, boot, level).ConfigureAwait(false);
        }
        catch (Exception exception) when (AddressTaken(exception))
        {
            Output.Error($"the HTTP address {httpEndpoint} is taken (another 'ubd serve'?); stop that, or choose another with --http-listen ADDR:PORT (or none)");
            return ExitCodes.InUse;
        }
        DeployDirector.Dns.DnsServer? dns = null;
        try
        {
            if (dnsEndpoint is not null)
            {
                dns = new DeployDirector.Dns.DnsServer(director.Supervisor, new DeployDirector.Dns.DnsOptions { Zone = Zone(choice.DnsZone) }, logging.CreateLogger("dns"));
                try
                {
                    await dns.StartAsync(dnsEndpoint, cancellation).ConfigureAwait(false);
                }
                catch (Exception exception) when (AddressTaken(exception))
                {
                    Output.Error($"the DNS address {dnsEndpoint} is taken; choose another with --dns-listen ADDR:PORT (or none)");
                    return ExitCodes.InUse;
                }
                Console.Out.WriteLine($"ubd: DNS for service groups on {dns.LocalEndPoint} (zone {Zone(choice.DnsZone)}; UDP and TCP)");
            }
            if (http is not null)
            {
                Console.Out.WriteLine($"ubd: HTTP API on {http.Urls.First()} (OpenAPI at /openapi/v1.json)");
                if (boot is not null)
                {
                    boot.HttpPort = new Uri(http.Urls.First()).Port;
                    Console.Out.WriteLine($"ubd: network boot at {boot.BaseUrl}/boot/ipxe (new nodes start on {boot.DefaultEdition})");
                }
                if (tree.Tokens().Count == 0)
                {
                    Console.Out.WriteLine($"ubd: no API tokens yet; create one: ubd token create NAME --role Operator --data {dataDirectory} (with the server stopped) or through an operator token");
                }
            }
            director.Supervisor.Start();
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
            // Nodes will reconnect to the restarted server: their connections end without detaching.
            tree.ShuttingDown = true;
        }
        finally
        {
            if (dns is not null)
            {
                await dns.DisposeAsync().ConfigureAwait(false);
            }
            if (http is not null)
            {
                await http.StopAsync(CancellationToken.None).ConfigureAwait(false);
                await http.DisposeAsync().ConfigureAwait(false);
            }
        }
        return ExitCodes.Success;
    }

    /// <summary>Binding a listener failed because something else holds the address (Kestrel wraps the socket's error).</summary>
    private static bool AddressTaken(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse }
                or Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A zone is written absolute (with its final dot) whichever way it was given.</summary>
    private static string Zone(string zone) => zone.EndsWith('.') ? zone : zone + ".";

    private static bool ValidZone(string zone)
    {
        string[] labels = Zone(zone).TrimEnd('.').Split('.');
        return zone.Length <= 253 && labels.All(l => l.Length is > 0 and <= 63 && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && l[0] != '-' && l[^1] != '-');
    }

    private static string? BootProblem(ImageTreeService tree, Boot.BootOptions boot, IPEndPoint? http)
    {
        if (http is null)
        {
            return "--boot-files needs the HTTP listener (nodes fetch their scripts and kernel over HTTP); drop --http-listen none";
        }
        if (boot.DefaultEdition.Length == 0)
        {
            return "--boot-files needs --boot-edition LAYER (or --auto-leaf LAYER): the edition new nodes start from";
        }
        if (!tree.Resolve(boot.DefaultEdition).IsFrozen)
        {
            return $"--boot-edition {boot.DefaultEdition} is a leaf; nodes start from a root or branch";
        }
        foreach (string file in new[] { Boot.BootOptions.Kernel, Boot.BootOptions.Initrd })
        {
            if (!File.Exists(Path.Combine(boot.FilesDirectory, file)))
            {
                return $"--boot-files {boot.FilesDirectory} has no {file}; build the stem cell with images/build-stemcell.sh and point here at its folder";
            }
        }
        return null;
    }

    private static async Task<WebApplication> StartHttpAsync(ImageTreeService tree, DeployDirector.DirectorSetup director, IPEndPoint endpoint, Boot.BootOptions? boot, LogLevel level)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(level < LogLevel.Warning ? LogLevel.Warning : level);
        builder.Logging.AddFilter("Ubd", level);
        if (boot is not null)
        {
            builder.Services.AddSingleton(boot);
        }
        builder.WebHost.UseSockets(sockets => sockets.Backlog = DeployDirector.DirectorSetup.ListenBacklog);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endpoint);
            // The pipeline lowers this per route (ApiPipeline.BodyLimit); release tarballs are the largest bodies.
            kestrel.Limits.MaxRequestBodySize = DeployDirector.Api.DirectorEndpoints.MaxReleaseBytes;
        });
        builder.Services.AddUnionBlockApi(tree, new Api.ApiOptions(), director);
        // This command owns SIGTERM and Ctrl-C and stops the host itself; the console lifetime's own
        // signal handling would race it.
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        WebApplication app = builder.Build();
        // Agents' long polls end at once at shutdown instead of holding it for their whole wait.
        app.Lifetime.ApplicationStopping.Register(director.Context.Hub.Shutdown);
        app.UseUnionBlockApi();
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }
}

/// <summary>A host lifetime that leaves signals to the command (see <see cref="ServeCommand"/>).</summary>
internal sealed class CommandLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
