using System.CommandLine;
using Ubd.Api;
using ImageTree.Tree;
using Microsoft.AspNetCore.TestHost;

namespace Ubd.Cli;

/// <summary>
/// Where a CLI command sends its requests: a running server (<c>--server URL</c>, token from
/// <c>--token-file</c> or UBD_TOKEN), or — with <c>--data DIR</c> — the same API hosted in this
/// process without a socket. Either way the command runs through the API's code.
/// </summary>
internal sealed class ApiConnection : IAsyncDisposable
{
    private readonly WebApplication? _local;
    private readonly ImageTreeService? _tree;
    private readonly DeployDirector.DirectorSetup? _director;

    private ApiConnection(ApiClient client, WebApplication? local, ImageTreeService? tree, DeployDirector.DirectorSetup? director = null)
    {
        Client = client;
        _local = local;
        _tree = tree;
        _director = director;
    }

    public ApiClient Client { get; }

    public static Option<DirectoryInfo?> DataOption() => new("--data")
    {
        Description = "Work on this data directory directly (no server running on it)",
        HelpName = "DIR",
    };

    public static Option<string?> ServerOption() => new("--server")
    {
        Description = "Talk to a running 'ubd serve' at this URL (or set UBD_SERVER)",
        HelpName = "URL",
    };

    public static Option<FileInfo?> TokenFileOption() => new("--token-file")
    {
        Description = "File holding the API token (or set UBD_TOKEN)",
        HelpName = "FILE",
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(DataOption());
        command.Options.Add(ServerOption());
        command.Options.Add(TokenFileOption());
    }

    public static async Task<ApiConnection> Open(ParseResult result)
    {
        DirectoryInfo? data = result.GetValue<DirectoryInfo?>("--data");
        string? server = result.GetValue<string?>("--server") ?? Environment.GetEnvironmentVariable("UBD_SERVER");
        if (data is not null)
        {
            if (result.GetValue<string?>("--server") is not null)
            {
                throw new ApiException(400, "usage", "give --data DIR (work on a data directory here) or --server URL (talk to a running 'ubd serve'), not both");
            }
            return await OpenLocal(data.FullName).ConfigureAwait(false);
        }
        if (string.IsNullOrEmpty(server))
        {
            throw new ApiException(400, "usage", "say where the tree is: --data DIR (a data directory) or --server URL (a running 'ubd serve'; UBD_SERVER works too)");
        }
        if (!Uri.TryCreate(server, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ApiException(400, "usage", $"--server '{server}' is not an http(s) URL (for example http://127.0.0.1:{ServeCommand.DefaultHttpPort})");
        }
        var http = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromMinutes(10) };
        string? token = ReadToken(result.GetValue<FileInfo?>("--token-file"));
        if (token is not null)
        {
            ApiClient.Authorize(http, token);
        }
        return new ApiConnection(new ApiClient(http), null, null);
    }

    private static string? ReadToken(FileInfo? file)
    {
        if (file is not null)
        {
            return file.Exists
                ? File.ReadAllText(file.FullName).Trim()
                : throw new ApiException(404, "not found", $"no token file at {file.FullName}");
        }
        return Environment.GetEnvironmentVariable("UBD_TOKEN") is { Length: > 0 } token ? token.Trim() : null;
    }

    private static async Task<ApiConnection> OpenLocal(string dataDirectory)
    {
        ImageTreeService tree = ImageTreeService.Open(dataDirectory);
        DeployDirector.DirectorSetup? director = null;
        try
        {
            director = DeployDirector.DirectorSetup.Open(dataDirectory, tree, new DeployDirector.DirectorOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseTestServer();
            builder.Logging.ClearProviders();
            builder.Services.AddUnionBlockApi(tree, new ApiOptions(TrustLocalCaller: true), director);
            WebApplication app = builder.Build();
            app.UseUnionBlockApi();
            await app.StartAsync().ConfigureAwait(false);
            HttpClient http = app.GetTestClient();
            http.Timeout = Timeout.InfiniteTimeSpan;
            return new ApiConnection(new ApiClient(http), app, tree, director);
        }
        catch
        {
            director?.Dispose();
            tree.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_local is not null)
        {
            await _local.StopAsync().ConfigureAwait(false);
            await _local.DisposeAsync().ConfigureAwait(false);
        }
        _director?.Dispose();
        _tree?.Dispose();
    }
}
