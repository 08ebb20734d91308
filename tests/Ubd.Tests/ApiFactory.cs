using ImageTree.Tree;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ubd.Api;

namespace Ubd.Tests;

/// <summary>
/// The API under WebApplicationFactory: the same composition `ubd serve` uses (services and
/// pipeline from <see cref="ApiPipeline"/>) over a fresh tree with a 1 MiB root imported, and two
/// tokens: an operator's and a read-only one. With <c>withDirector</c> it hosts a director over the
/// same data directory, as `ubd serve` does when the director is on.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<ApiOptions>
{
    private int _disposed;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ubd-api-");

    public ApiFactory()
        : this(withBoot: false)
    {
    }

    public ApiFactory(bool withBoot, bool withDirector = false)
    {
        Tree = ImageTreeService.Open(Path.Combine(_directory.FullName, "data"));
        if (withDirector)
        {
            var options = new DeployDirector.DirectorOptions("pxe")
            {
                Timings = new DeployDirector.Live.AgentTimings(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1)),
                NodeWait = TimeSpan.FromSeconds(60),
            };
            Director = DeployDirector.DirectorSetup.Open(Path.Combine(_directory.FullName, "data"), Tree, options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        }
        ImagePath = Path.Combine(_directory.FullName, "root.img");
        byte[] image = new byte[1 << 20];
        Random.Shared.NextBytes(image.AsSpan(0, 64 * 1024));
        File.WriteAllBytes(ImagePath, image);
        Tree.Import("base", ImagePath, ImageTree.Operations.ImageFormat.Raw, null);
        OperatorToken = Tree.CreateToken("ops", TokenRole.Operator);
        if (withBoot)
        {
            string files = Path.Combine(_directory.FullName, "boot");
            Directory.CreateDirectory(files);
            File.WriteAllBytes(Path.Combine(files, "vmlinuz"), [.. Enumerable.Range(0, 10_000).Select(i => (byte)i)]);
            File.WriteAllText(Path.Combine(files, "initrd.img"), "initramfs");
            Boot = new Ubd.Boot.BootOptions { FilesDirectory = files, DefaultEdition = "base", AdvertisedHost = "10.0.2.2", NbdPort = 10809, HttpPort = 8479 };
        }
        ReaderToken = Tree.CreateToken("viewer", TokenRole.ReadOnly);
    }

    public ImageTreeService Tree { get; }

    public DeployDirector.DirectorSetup? Director { get; }

    public Ubd.Boot.BootOptions? Boot { get; }

    public string ImagePath { get; }

    public string OperatorToken { get; }

    public string ReaderToken { get; }

    public string Scratch => _directory.FullName;

    public HttpClient Client(string? token)
    {
        HttpClient client = CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
        return client;
    }

    protected override IHostBuilder CreateHostBuilder() =>
        Host.CreateDefaultBuilder().ConfigureWebHostDefaults(web => web
            .UseSetting(WebHostDefaults.ApplicationKey, typeof(ApiOptions).Assembly.GetName().Name)
            .ConfigureServices(services =>
            {
                services.AddUnionBlockApi(Tree, new ApiOptions(), Director);
                if (Boot is not null)
                {
                    services.AddSingleton(Boot);
                }
            })
            .Configure(app => app.UseUnionBlockApi()));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Director?.Dispose();
            Tree.Dispose();
            _directory.Delete(recursive: true);
        }
    }
}
