using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeployDirector.Contracts;
using DeployDirector.Releases;
using DeployDirector.Templates;

namespace DeployDirector.Rendering;

/// <summary>
/// Renders an instance's archive: <c>instance.json</c> first, then every other file in ordinal path
/// order (<c>jobs/JOB/…</c> rendered templates, <c>packages/PKG/…</c>), written by a deterministic
/// tar writer. The bytes depend only on the request, so equal hashes mean "keep" and different
/// ones "update". Templates are compiled once per distinct text and kept.
/// </summary>
public sealed class InstanceRenderer
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly ConcurrentDictionary<(string Name, string Text), Template> _compiled = new();

    /// <exception cref="RenderException">Listing every problem found.</exception>
    public RenderedInstance Render(RenderRequest request)
    {
        var problems = new List<string>();
        var files = new SortedDictionary<string, (byte[] Content, bool Executable)>(StringComparer.Ordinal);
        if (request.Lifecycle is not (Lifecycle.Service or Lifecycle.Errand))
        {
            problems.Add($"lifecycle '{request.Lifecycle}' is neither {Lifecycle.Service} nor {Lifecycle.Errand}");
        }
        foreach (string duplicate in request.Jobs.GroupBy(j => j.Spec.Name).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            problems.Add($"job '{duplicate}' appears twice");
        }
        foreach (RenderJob job in request.Jobs)
        {
            RenderTemplates(request, job, files, problems);
            AddPackages(request.Blobs, job, files, problems);
        }
        if (problems.Count > 0)
        {
            throw new RenderException(problems);
        }

        var spec = new InstanceSpec
        {
            Instance = request.Instance,
            Lifecycle = request.Lifecycle,
            Address = request.Address,
            Jobs = [.. request.Jobs.Select(j => j.Spec.Name)],
            Files = [.. files.Select(f => new ArchiveFile(f.Key, Convert.ToHexStringLower(SHA256.HashData(f.Value.Content)), f.Value.Executable))],
        };
        var archive = new MemoryStream();
        using (var tar = new DeterministicTarWriter(archive))
        {
            tar.Add("instance.json", JsonSerializer.SerializeToUtf8Bytes(spec, AgentJson.Default.InstanceSpec), executable: false);
            foreach ((string path, (byte[] content, bool executable)) in files)
            {
                tar.Add(path, content, executable);
            }
        }
        byte[] bytes = archive.ToArray();
        return new RenderedInstance(bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)), spec);
    }

    private void RenderTemplates(RenderRequest request, RenderJob job, SortedDictionary<string, (byte[], bool)> files, List<string> problems)
    {
        var contextProblems = new List<string>();
        JsonObject context = RenderContext.For(request, job, contextProblems);
        if (contextProblems.Count > 0)
        {
            // Templates rendered from a wrong context would only add errors that follow from these.
            problems.AddRange(contextProblems);
            return;
        }
        foreach (JobTemplate template in job.Spec.Templates)
        {
            try
            {
                Template compiled = _compiled.GetOrAdd((Name: $"{job.Spec.Name}/{template.Source}", template.Text), key => Template.Compile(key.Name, key.Text));
                files[$"jobs/{job.Spec.Name}/{template.Destination}"] =
                    (Utf8.GetBytes(compiled.Render(context)), template.Destination.StartsWith("bin/", StringComparison.Ordinal));
            }
            catch (TemplateException e)
            {
                problems.Add(e.Message);
            }
        }
    }

    private static void AddPackages(IBlobSource blobs, RenderJob job, SortedDictionary<string, (byte[] Content, bool Executable)> files, List<string> problems)
    {
        foreach (string name in job.Spec.Packages)
        {
            if (job.Packages.FirstOrDefault(p => p.Name == name) is not { } package)
            {
                problems.Add($"job '{job.Spec.Name}': package '{name}' is not in the release");
                continue;
            }
            foreach (PackageFile file in package.Files)
            {
                string path = $"packages/{name}/{file.Path}";
                if (files.TryGetValue(path, out var present))
                {
                    if (Convert.ToHexStringLower(SHA256.HashData(present.Content)) != file.Sha256)
                    {
                        problems.Add($"{path}: two jobs bring different contents");
                    }
                    continue;
                }
                if (Read(blobs, file, path, problems) is { } content)
                {
                    files[path] = (content, file.Executable);
                }
            }
        }
    }

    /// <summary>The file's bytes, checked against its hash: a damaged blob never reaches a node.</summary>
    private static byte[]? Read(IBlobSource blobs, PackageFile file, string path, List<string> problems)
    {
        try
        {
            using Stream stream = blobs.Open(file.Sha256);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] content = copy.ToArray();
            if (Convert.ToHexStringLower(SHA256.HashData(content)) == file.Sha256)
            {
                return content;
            }
            problems.Add($"{path}: the stored blob does not match its sha256 {file.Sha256}");
        }
        catch (FileNotFoundException)
        {
            problems.Add($"{path}: blob {file.Sha256} is not in the blob store");
        }
        return null;
    }
}
