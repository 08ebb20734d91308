using System.Security.Cryptography;
using System.Text.Json.Nodes;
using DeployDirector.Contracts;
using DeployDirector.Manifest;
using DeployDirector.Releases;
using DeployDirector.Rendering;
using DeployDirector.Tests.Releases;
using FsCheck;
using FsCheck.Fluent;
using ImageTree.Metadata;

namespace DeployDirector.Tests.Rendering;

public sealed class InstanceRendererTests : IDisposable
{
    private static readonly LinkInstance[] Backends =
    [
        new("backend", 0, "b-0", "10.0.0.20"),
        new("backend", 1, "b-1", "10.0.0.21"),
    ];

    private readonly TempDirectory _temp = new();
    private readonly BlobStore _blobs;
    private readonly ReleaseRecord _release;

    public InstanceRendererTests()
    {
        ReleaseBuilder.Create(DemoRelease.SourceDirectory, _temp.File("demo.tgz"));
        _blobs = new BlobStore(_temp.File("blobs"));
        using FileStream archive = File.OpenRead(_temp.File("demo.tgz"));
        _release = new ReleaseCatalog(new InMemoryKeyValueStore(), _blobs).Upload(archive);
    }

    public void Dispose() => _temp.Dispose();

    private static JobRef Ref(string job, JsonObject? properties = null) =>
        new(job, "demo", properties ?? [], new Dictionary<string, string>(), new Dictionary<string, LinkSource>(), default);

    private RenderRequest Web(JsonObject? properties = null, IReadOnlyList<LinkInstance>? backends = null, long epoch = 1, JsonObject? linkProperties = null)
    {
        JobSpec web = _release.Jobs.Single(j => j.Name == "web");
        var links = new Dictionary<string, ResolvedLink> { ["backend"] = new(backends ?? Backends, linkProperties ?? new JsonObject { ["port"] = 8081 }) };
        return new RenderRequest(new InstanceRef("shop", "web", 0, "w-0", epoch), Lifecycle.Service, "10.0.0.5", null,
            [new RenderJob(web, _release.Packages, Ref("web", properties), links)], _blobs);
    }

    private static string Sha(RenderRequest request) => new InstanceRenderer().Render(request).Sha256;

    [Fact]
    public void The_same_inputs_give_the_same_bytes()
    {
        var renderer = new InstanceRenderer();
        RenderedInstance first = renderer.Render(Web());
        RenderedInstance again = renderer.Render(Web());
        RenderedInstance fresh = new InstanceRenderer().Render(Web());

        Assert.Equal(first.Archive, again.Archive);
        Assert.Equal(first.Archive, fresh.Archive);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first.Archive)), first.Sha256);
    }

    [Fact]
    public void A_property_change_changes_the_hash()
    {
        Assert.NotEqual(Sha(Web()), Sha(Web(new JsonObject { ["title"] = "Shop" })));
        Assert.NotEqual(Sha(Web(new JsonObject { ["title"] = "Shop" })), Sha(Web(new JsonObject { ["title"] = "Shop!" })));
    }

    [Fact]
    public void Any_title_renders_the_same_twice_and_differently_from_another()
    {
        var renderer = new InstanceRenderer();
        Prop.ForAll(ArbMap.Default.ArbFor<NonNull<string>>(), title =>
        {
            string sha = renderer.Render(Web(new JsonObject { ["title"] = title.Get })).Sha256;
            Assert.Equal(sha, new InstanceRenderer().Render(Web(new JsonObject { ["title"] = title.Get })).Sha256);
            Assert.NotEqual(sha, renderer.Render(Web(new JsonObject { ["title"] = title.Get + "!" })).Sha256);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void Setting_a_property_to_its_default_changes_nothing()
    {
        Assert.Equal(Sha(Web()), Sha(Web(new JsonObject { ["title"] = "Demo" })));
    }

    [Fact]
    public void A_link_change_changes_the_hash()
    {
        string baseline = Sha(Web());
        Assert.NotEqual(baseline, Sha(Web(backends: [Backends[0]])));
        Assert.NotEqual(baseline, Sha(Web(backends: [Backends[0], Backends[1] with { Address = "10.0.0.99" }])));
        Assert.NotEqual(baseline, Sha(Web(linkProperties: new JsonObject { ["port"] = 9000 })));
    }

    [Fact]
    public void The_order_links_and_properties_arrive_in_does_not_matter()
    {
        Assert.Equal(Sha(Web()), Sha(Web(backends: [Backends[1], Backends[0]])));
        Assert.Equal(
            Sha(Web(new JsonObject { ["title"] = "T", ["message"] = "M" })),
            Sha(Web(new JsonObject { ["message"] = "M", ["title"] = "T" })));
    }

    [Fact]
    public void An_epoch_change_changes_the_hash()
    {
        RenderedInstance next = new InstanceRenderer().Render(Web(epoch: 2));
        Assert.NotEqual(Sha(Web(epoch: 1)), next.Sha256);
        Assert.Equal(2, next.Spec.Instance.Epoch);
    }

    [Fact]
    public void Instance_json_lists_every_other_file_with_its_sha256()
    {
        RenderedInstance rendered = new InstanceRenderer().Render(Web());
        InstanceArchive archive = InstanceArchive.Open(rendered.Archive);
        InstanceSpec spec = archive.Spec;

        Assert.Equal("instance.json", archive.Order[0]);
        Assert.Equal(rendered.Spec, spec with { Jobs = rendered.Spec.Jobs, Files = rendered.Spec.Files });
        Assert.Equal(rendered.Spec.Files, spec.Files);
        Assert.Equal(archive.Order.Skip(1), spec.Files.Select(f => f.Path));
        Assert.Equal(
            ["jobs/web/bin/drain", "jobs/web/bin/health", "jobs/web/bin/run", "jobs/web/www/index.html", "packages/common/lib.sh"],
            spec.Files.Select(f => f.Path));
        foreach (ArchiveFile file in spec.Files)
        {
            (byte[] content, UnixFileMode mode) = archive.Files[file.Path];
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), file.Sha256);
            Assert.Equal(file.Path.StartsWith("jobs/web/bin/", StringComparison.Ordinal), file.Executable);
            Assert.Equal(file.Executable, (mode & UnixFileMode.UserExecute) != 0);
        }
        Assert.Equal(("shop", "web", 0, "w-0", 1L), (spec.Instance.Deployment, spec.Instance.Group, spec.Instance.Index, spec.Instance.Id, spec.Instance.Epoch));
        Assert.Equal((Lifecycle.Service, "10.0.0.5"), (spec.Lifecycle, spec.Address));
        Assert.Equal(["web"], spec.Jobs);
    }

    [Fact]
    public void Templates_see_merged_properties_spec_and_links()
    {
        InstanceArchive archive = InstanceArchive.Open(new InstanceRenderer().Render(Web(new JsonObject { ["title"] = "Shop", ["port"] = 9090 })).Archive);

        string page = archive.Text("jobs/web/www/index.html");
        Assert.Contains("<title>Shop</title>", page, StringComparison.Ordinal);
        Assert.Contains("<p>Hello from the demo release.</p>", page, StringComparison.Ordinal);
        Assert.Contains("Served by web/0 at 10.0.0.5 (bootstrap).", page, StringComparison.Ordinal);
        Assert.Contains("""<li><a href="http://10.0.0.20:8081/status.txt">backend/0</a></li>""" + "\n" + """<li><a href="http://10.0.0.21:8081/status.txt">backend/1</a></li>""", page, StringComparison.Ordinal);
        Assert.Contains("busybox httpd -f -p 9090 -h", archive.Text("jobs/web/bin/run"), StringComparison.Ordinal);
        Assert.Equal("#!/bin/sh\necho 0\n", archive.Text("jobs/web/bin/drain"));
        Assert.Equal(File.ReadAllText(Path.Combine(DemoRelease.SourceDirectory, "packages", "common", "lib.sh")), archive.Text("packages/common/lib.sh"));
    }

    [Fact]
    public void Two_jobs_render_into_one_archive_and_share_packages()
    {
        JobSpec backend = _release.Jobs.Single(j => j.Name == "backend");
        RenderRequest web = Web();
        RenderRequest both = web with { Jobs = [.. web.Jobs, new RenderJob(backend, _release.Packages, Ref("backend"), new Dictionary<string, ResolvedLink>())] };
        InstanceArchive archive = InstanceArchive.Open(new InstanceRenderer().Render(both).Archive);

        Assert.Equal(["web", "backend"], archive.Spec.Jobs);
        Assert.Single(archive.Spec.Files, f => f.Path.StartsWith("packages/", StringComparison.Ordinal));
        Assert.Equal("backend web/0 (w-0) of shop at 10.0.0.5: ok\n", archive.Text("jobs/backend/www/status.txt"));
    }

    [Fact]
    public void An_undeclared_property_is_refused()
    {
        var e = Assert.Throws<RenderException>(() => new InstanceRenderer().Render(Web(new JsonObject { ["titel"] = "typo", ["port"] = 1 })));
        Assert.Contains("job 'web': property 'titel' is not declared by the job's spec", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_link_is_reported_once_not_again_by_every_template_using_it()
    {
        var spec = new JobSpec("j", [new JobTemplate("conf.tmpl", "etc/conf", "db={{ links.db.address }}")], [],
            new Dictionary<string, PropertySpec>(), [], [new ConsumedLink("db", "pg", Optional: false)]);
        var e = Assert.Throws<RenderException>(() => new InstanceRenderer().Render(Request(spec, [])));
        Assert.Equal("job 'j': required link 'db' has no instances", Assert.Single(e.Problems));
    }

    [Fact]
    public void A_link_the_job_does_not_consume_and_an_unknown_lifecycle_are_refused()
    {
        RenderRequest web = Web();
        var links = new Dictionary<string, ResolvedLink>(web.Jobs[0].Links) { ["extra"] = new(Backends, []) };
        RenderRequest request = web with { Lifecycle = "daemon", Jobs = [web.Jobs[0] with { Links = links }] };
        var e = Assert.Throws<RenderException>(() => new InstanceRenderer().Render(request));
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.Contains("'extra'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("'daemon'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_required_link_without_instances_is_refused()
    {
        var e = Assert.Throws<RenderException>(() => new InstanceRenderer().Render(Web(backends: [])));
        Assert.Contains("required link 'backend' has no instances", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_template_value_is_refused_with_its_position()
    {
        var spec = new JobSpec("j", [new JobTemplate("conf.tmpl", "etc/conf", "a\nport={{ properties.port }}\n")], [],
            new Dictionary<string, PropertySpec> { ["port"] = new("no default", null) }, [], []);
        var e = Assert.Throws<RenderException>(() => new InstanceRenderer().Render(Request(spec, [])));
        Assert.Equal("j/conf.tmpl:2:6: 'properties.port' has no value", Assert.Single(e.Problems));
    }

    [Fact]
    public void Dotted_properties_nest_and_merge_with_the_manifest()
    {
        var spec = new JobSpec("j", [new JobTemplate("conf.tmpl", "etc/conf", "{{ properties.db.host }}:{{ properties.db.port }} {{ properties.db }}")], [],
            new Dictionary<string, PropertySpec> { ["db.host"] = new(null, JsonValue.Create("localhost")), ["db.port"] = new(null, JsonValue.Create(5432)) }, [], []);
        var manifest = new JsonObject { ["db"] = new JsonObject { ["port"] = 6543 } };
        InstanceArchive archive = InstanceArchive.Open(new InstanceRenderer().Render(Request(spec, [], manifest)).Archive);
        Assert.Equal("""localhost:6543 {"host":"localhost","port":6543}""", archive.Text("jobs/j/etc/conf"));

        var e = Assert.Throws<RenderException>(() => new InstanceRenderer().Render(Request(spec, [], new JsonObject { ["db"] = new JsonObject { ["user"] = "x" } })));
        Assert.Contains("'db.user'", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void An_optional_link_without_instances_is_simply_absent()
    {
        var spec = new JobSpec("j", [new JobTemplate("conf.tmpl", "etc/conf", "{{#links.db}}db={{ links.db.address }}{{/links.db}}{{^links.db}}no db{{/links.db}}")], [],
            new Dictionary<string, PropertySpec>(), [], [new ConsumedLink("db", "pg", Optional: true)]);
        Assert.Equal("no db", InstanceArchive.Open(new InstanceRenderer().Render(Request(spec, [])).Archive).Text("jobs/j/etc/conf"));
    }

    [Fact]
    public void A_damaged_package_blob_is_refused()
    {
        var blobs = new MemoryBlobs();
        string sha = blobs.Add("tool\n"u8.ToArray());
        blobs.Corrupt(sha);
        var spec = new JobSpec("j", [], ["tools"], new Dictionary<string, PropertySpec>(), [], []);
        RenderRequest request = Request(spec, [new PackageSpec("tools", [new PackageFile("tool", sha, true)])]) with { Blobs = blobs };
        var e = Assert.Throws<RenderException>(() => new InstanceRenderer().Render(request));
        Assert.Contains("does not match its sha256", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    /// <summary>
    /// Pins the archive's hash for a fixed request. Nothing in it may depend on the process (string
    /// hash seeds, dictionary order, clocks, the machine): a director restart must compute the same
    /// hashes for unchanged instances, or every restart would update every instance. A change to
    /// the archive format changes this value on purpose, and must be deliberate.
    /// </summary>
    [Fact]
    public void The_hash_is_the_same_in_every_process()
    {
        var blobs = new MemoryBlobs();
        string tool = blobs.Add("#!/bin/sh\necho tool\n"u8.ToArray());
        var spec = new JobSpec(
            "app",
            [
                new JobTemplate("run.tmpl", "bin/run", "#!/bin/sh\nexec app --port {{ properties.port }} --peers {{#links.peers.instances}}{{ address }},{{/links.peers.instances}}\n"),
                new JobTemplate("conf.tmpl", "etc/app.json", "{{ properties }} {{ spec }}\n"),
            ],
            ["tools"],
            new Dictionary<string, PropertySpec> { ["port"] = new("port", JsonValue.Create(80)), ["name.first"] = new(null, JsonValue.Create("x")) },
            [],
            [new ConsumedLink("peers", "app", false)]);
        var links = new Dictionary<string, ResolvedLink> { ["peers"] = new([new("app", 1, "a-1", "10.1.0.2"), new("app", 0, "a-0", "10.1.0.1")], new JsonObject { ["k"] = "v" }) };
        var request = new RenderRequest(new InstanceRef("d", "app", 1, "a-1", 7), Lifecycle.Service, "10.1.0.2", "10.1.0.1",
            [new RenderJob(spec, [new PackageSpec("tools", [new PackageFile("bin/tool", tool, true)])], Ref("app", new JsonObject { ["port"] = 8080 }), links)], blobs);

        RenderedInstance rendered = new InstanceRenderer().Render(request);
        Assert.Equal("79d48e86bad85d04b82f22fb6dd4f6dad4ac79a8def10f1b51fd087d6f51d7dd", rendered.Sha256);
    }

    private RenderRequest Request(JobSpec spec, IReadOnlyList<PackageSpec> packages, JsonObject? properties = null) =>
        new(new InstanceRef("d", "g", 0, "g-0", 1), Lifecycle.Service, "10.0.0.1", null,
            [new RenderJob(spec, packages, Ref(spec.Name, properties), new Dictionary<string, ResolvedLink>())], _blobs);
}
