using DeployDirector;
using DeployDirector.Releases;
using ImageTree.Tree;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DirectorBench;

/// <summary>
/// A director as `ubd serve` composes it, over a fresh temporary data directory: the image tree with a
/// 1 MiB raw stem cell edition named "stemcell" and, when asked, the demo release uploaded. Disposing it
/// closes both and deletes the directory.
/// </summary>
internal sealed class BenchDirector : IDisposable
{
    private BenchDirector(DirectoryInfo directory, ImageTreeService tree, DirectorSetup director) => (Directory, Tree, Director) = (directory, tree, director);

    public DirectoryInfo Directory { get; }

    public ImageTreeService Tree { get; }

    public DirectorSetup Director { get; }

    public static async Task<BenchDirector> OpenAsync(string name, DirectorOptions options, string? releaseDirectory)
    {
        DirectoryInfo directory = System.IO.Directory.CreateTempSubdirectory($"ubd-{name}-bench-");
        string data = Path.Combine(directory.FullName, "data");
        ImageTreeService tree = ImageTreeService.Open(data);
        DirectorSetup? director = null;
        try
        {
            string root = Path.Combine(directory.FullName, "root.img");
            await File.WriteAllBytesAsync(root, new byte[1 << 20]).ConfigureAwait(false);
            tree.Import("stemcell", root, ImageTree.Operations.ImageFormat.Raw, null);
            director = DirectorSetup.Open(data, tree, options, NullLogger.Instance);
            if (releaseDirectory is not null)
            {
                string tarball = Path.Combine(directory.FullName, "release.tgz");
                ReleaseBuilder.Create(releaseDirectory, tarball);
                await using FileStream release = File.OpenRead(tarball);
                director.Deployer.UploadRelease(release);
            }
            return new BenchDirector(directory, tree, director);
        }
        catch
        {
            director?.Dispose();
            tree.Dispose();
            directory.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Kestrel on 127.0.0.1:0 with the director's services, as `ubd serve` listens (its backlog
    /// included); the caller maps the routes.</summary>
    public static WebApplication App(DirectorSetup director)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseSockets(sockets => sockets.Backlog = DirectorSetup.ListenBacklog);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        director.AddTo(builder.Services);
        return builder.Build();
    }

    /// <summary>The child side of <see cref="HostProcess"/>: starts the app, prints the credentials and
    /// "ready ADDRESS", and serves until the parent closes stdin.</summary>
    public static async Task ServeUntilStdinClosesAsync(WebApplication app, IEnumerable<string> credentials)
    {
        await app.StartAsync().ConfigureAwait(false);
        foreach (string line in credentials)
        {
            Console.Out.WriteLine(line);
        }
        Console.Out.WriteLine($"ready {app.Urls.First()}");
        Console.Out.Flush();
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is not null)
        {
        }
        await app.StopAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        Director.Dispose();
        Tree.Dispose();
        Directory.Delete(recursive: true);
    }
}
