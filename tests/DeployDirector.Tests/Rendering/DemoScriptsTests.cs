using System.Diagnostics;
using System.Text.Json.Nodes;
using DeployDirector.Contracts;
using DeployDirector.Manifest;
using DeployDirector.Releases;
using DeployDirector.Rendering;
using DeployDirector.Tests.Releases;
using ImageTree.Metadata;

namespace DeployDirector.Tests.Rendering;

/// <summary>The demo's rendered scripts are valid POSIX sh (checked with <c>sh -n</c>, nothing runs).</summary>
public sealed class DemoScriptsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_rendered_script_of_the_demo_parses_as_sh()
    {
        ReleaseBuilder.Create(DemoRelease.SourceDirectory, _temp.File("demo.tgz"));
        var blobs = new BlobStore(_temp.File("blobs"));
        ReleaseRecord release;
        using (FileStream archive = File.OpenRead(_temp.File("demo.tgz")))
        {
            release = new ReleaseCatalog(new InMemoryKeyValueStore(), blobs).Upload(archive);
        }
        var noLinks = new Dictionary<string, string>();
        var noSources = new Dictionary<string, LinkSource>();
        var links = new Dictionary<string, ResolvedLink> { ["backend"] = new([new("backend", 0, "b-0", "10.0.0.2")], new JsonObject { ["port"] = 8081 }) };
        RenderJob[] jobs =
        [
            new(release.Jobs.Single(j => j.Name == "web"), release.Packages, new JobRef("web", "demo", [], noLinks, noSources, default), links),
            new(release.Jobs.Single(j => j.Name == "backend"), release.Packages, new JobRef("backend", "demo", [], noLinks, noSources, default), new Dictionary<string, ResolvedLink>()),
        ];
        RenderedInstance rendered = new InstanceRenderer().Render(new RenderRequest(new InstanceRef("demo", "all", 0, "a-0", 1), Lifecycle.Service, "10.0.0.1", null, jobs, blobs));

        InstanceArchive unpacked = InstanceArchive.Open(rendered.Archive);
        string[] scripts = [.. rendered.Spec.Files.Where(f => f.Executable).Select(f => f.Path)];
        Assert.Equal(["jobs/backend/bin/health", "jobs/backend/bin/run", "jobs/web/bin/drain", "jobs/web/bin/health", "jobs/web/bin/run"], scripts);
        foreach (string script in scripts.Append("packages/common/lib.sh"))
        {
            string file = _temp.File(script.Replace('/', '_'));
            File.WriteAllBytes(file, unpacked.Files[script].Content);
            using Process sh = Process.Start(new ProcessStartInfo("sh", ["-n", file]) { RedirectStandardError = true })!;
            string errors = sh.StandardError.ReadToEnd();
            sh.WaitForExit();
            Assert.True(sh.ExitCode == 0, $"{script}: {errors}");
            Assert.StartsWith(script.EndsWith(".sh", StringComparison.Ordinal) ? "#" : "#!/bin/sh\n", unpacked.Text(script), StringComparison.Ordinal);
        }
    }
}
