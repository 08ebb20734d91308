using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace DeployDirector.Releases;

/// <summary>Parses <c>release.yml</c> and <c>job.yml</c>, reporting every problem with its position.</summary>
internal static partial class ReleaseYaml
{
    public const string ReleaseFile = "release.yml";

    public static ReleaseManifest? ParseRelease(string text, List<ReleaseProblem> problems)
    {
        var file = new YamlFile(ReleaseFile, problems);
        if (file.Load(text) is not { } root)
        {
            return null;
        }
        file.OnlyKeys(root, "name", "version", "jobs", "packages");
        (string? name, string? version) = Identity(file, root);
        var jobs = new List<string>();
        foreach (YamlNode item in file.Sequence(YamlFile.Child(root, "jobs"), "jobs"))
        {
            if (file.ScalarText(item, "a job") is { } job)
            {
                CheckName(file, item, job, "job");
                if (jobs.Contains(job, StringComparer.Ordinal))
                {
                    file.Problem(item, $"job '{job}' is listed twice");
                }
                jobs.Add(job);
            }
        }
        var packages = new List<PackageSpec>();
        foreach (YamlNode item in file.Sequence(YamlFile.Child(root, "packages"), "packages"))
        {
            if (ParsePackage(file, item) is { } package)
            {
                if (packages.Any(p => p.Name == package.Name))
                {
                    file.Problem(item, $"package '{package.Name}' is listed twice");
                }
                packages.Add(package);
            }
        }
        return name is null || version is null ? null : new ReleaseManifest(name, version, jobs, packages);
    }

    /// <summary>The name and version of a release (also all a source folder's release.yml holds).</summary>
    public static (string? Name, string? Version) Identity(YamlFile file, YamlMappingNode root)
    {
        string? name = file.Scalar(root, "name", required: true);
        if (name is not null && !ReleaseNames.IsName(name))
        {
            file.Problem(YamlFile.Child(root, "name")!, $"release name '{name}' must match [a-z0-9][a-z0-9_-]*");
            name = null;
        }
        string? version = file.Scalar(root, "version", required: true);
        if (version is not null && !ReleaseNames.IsVersion(version))
        {
            file.Problem(YamlFile.Child(root, "version")!, $"version '{version}' must be non-empty [0-9A-Za-z.+-]");
            version = null;
        }
        return (name, version);
    }

    private static PackageSpec? ParsePackage(YamlFile file, YamlNode item)
    {
        if (item is not YamlMappingNode map)
        {
            file.Problem(item, "a package must be a mapping with name and files");
            return null;
        }
        file.OnlyKeys(map, "name", "files");
        string? name = file.Scalar(map, "name", required: true);
        if (name is not null)
        {
            CheckName(file, map, name, "package");
        }
        var files = new List<PackageFile>();
        foreach (YamlNode entry in file.Sequence(YamlFile.Child(map, "files"), "files"))
        {
            if (entry is not YamlMappingNode fileMap)
            {
                file.Problem(entry, "a package file must be a mapping with path and sha256");
                continue;
            }
            file.OnlyKeys(fileMap, "path", "sha256", "executable");
            string? path = file.Scalar(fileMap, "path", required: true);
            string? sha = file.Scalar(fileMap, "sha256", required: true);
            string? executable = file.Scalar(fileMap, "executable", required: false);
            if (path is not null && !ReleasePaths.IsValid(path))
            {
                file.Problem(fileMap, $"package file path '{path}' is not a plain relative path");
                continue;
            }
            if (sha is not null && !ReleaseNames.IsSha256(sha))
            {
                file.Problem(fileMap, $"sha256 of '{path}' must be 64 lower-case hex digits");
                continue;
            }
            if (executable is not (null or "true" or "false"))
            {
                file.Problem(fileMap, "executable must be true or false");
            }
            if (path is not null && sha is not null)
            {
                if (files.Any(f => f.Path == path))
                {
                    file.Problem(fileMap, $"package file '{path}' is listed twice");
                }
                files.Add(new PackageFile(path, sha, executable == "true"));
            }
        }
        return name is null ? null : new PackageSpec(name, [.. files.OrderBy(f => f.Path, StringComparer.Ordinal)]);
    }

    /// <summary>A job's spec; templates carry no text yet (the archive reader adds it).</summary>
    public static JobSpec? ParseJob(string path, string text, List<ReleaseProblem> problems)
    {
        var file = new YamlFile(path, problems);
        if (file.Load(text) is not { } root)
        {
            return null;
        }
        file.OnlyKeys(root, "name", "description", "templates", "packages", "properties", "provides", "consumes");
        string? name = file.Scalar(root, "name", required: true);
        if (name is not null)
        {
            CheckName(file, root, name, "job");
        }
        var templates = new List<JobTemplate>();
        foreach ((YamlNode key, YamlNode value) in file.Mapping(YamlFile.Child(root, "templates"), "templates"))
        {
            string? source = file.ScalarText(key, "a template name");
            string? destination = file.ScalarText(value, "a template destination");
            if (source is null || destination is null)
            {
                continue;
            }
            if (!ReleasePaths.IsValid(source) || !ReleasePaths.IsValid(destination))
            {
                file.Problem(key, $"template '{source}' → '{destination}': both must be plain relative paths");
                continue;
            }
            if (templates.Any(t => t.Destination == destination))
            {
                file.Problem(value, $"two templates render to '{destination}'");
            }
            templates.Add(new JobTemplate(source, destination, ""));
        }
        var packages = new List<string>();
        foreach (YamlNode item in file.Sequence(YamlFile.Child(root, "packages"), "packages"))
        {
            if (file.ScalarText(item, "a package") is { } package)
            {
                CheckName(file, item, package, "package");
                packages.Add(package);
            }
        }
        Dictionary<string, PropertySpec> properties = ParseProperties(file, YamlFile.Child(root, "properties"));
        List<ProvidedLink> provides = ParseProvides(file, YamlFile.Child(root, "provides"), properties);
        List<ConsumedLink> consumes = ParseConsumes(file, YamlFile.Child(root, "consumes"));
        return name is null
            ? null
            : new JobSpec(name, [.. templates.OrderBy(t => t.Source, StringComparer.Ordinal)], [.. packages.Distinct()], properties, provides, consumes);
    }

    private static Dictionary<string, PropertySpec> ParseProperties(YamlFile file, YamlNode? node)
    {
        var properties = new SortedDictionary<string, PropertySpec>(StringComparer.Ordinal);
        foreach ((YamlNode key, YamlNode value) in file.Mapping(node, "properties"))
        {
            if (file.ScalarText(key, "a property name") is not { } name)
            {
                continue;
            }
            if (!PropertyPattern().IsMatch(name))
            {
                file.Problem(key, $"property '{name}' must be dotted segments of [A-Za-z0-9_-]");
                continue;
            }
            string? description = null;
            JsonNode? defaultValue = null;
            if (value is YamlMappingNode map)
            {
                file.OnlyKeys(map, "description", "default");
                description = file.Scalar(map, "description", required: false);
                defaultValue = YamlFile.Child(map, "default") is { } d ? YamlFile.ToJson(d) : null;
            }
            else if (YamlFile.ToJson(value) is not null)
            {
                file.Problem(value, $"property '{name}' must be a mapping (description, default)");
                continue;
            }
            string? clash = properties.Keys.FirstOrDefault(p => p.StartsWith(name + ".", StringComparison.Ordinal) || name.StartsWith(p + ".", StringComparison.Ordinal));
            if (clash is not null)
            {
                file.Problem(key, $"property '{name}' and '{clash}' overlap (one would hold the other)");
                continue;
            }
            properties[name] = new PropertySpec(description, defaultValue);
        }
        return new Dictionary<string, PropertySpec>(properties, StringComparer.Ordinal);
    }

    private static List<ProvidedLink> ParseProvides(YamlFile file, YamlNode? node, Dictionary<string, PropertySpec> properties)
    {
        var links = new List<ProvidedLink>();
        foreach (YamlNode item in file.Sequence(node, "provides"))
        {
            if (LinkHead(file, item, links.Select(l => l.Name), "properties") is not ({ } map, { } name, { } type))
            {
                continue;
            }
            var exposed = new List<string>();
            foreach (YamlNode p in file.Sequence(YamlFile.Child(map, "properties"), "properties"))
            {
                if (file.ScalarText(p, "a property name") is { } property)
                {
                    if (!properties.ContainsKey(property))
                    {
                        file.Problem(p, $"link '{name}' exposes '{property}', which the job does not declare");
                    }
                    exposed.Add(property);
                }
            }
            links.Add(new ProvidedLink(name, type, exposed));
        }
        return links;
    }

    private static List<ConsumedLink> ParseConsumes(YamlFile file, YamlNode? node)
    {
        var links = new List<ConsumedLink>();
        foreach (YamlNode item in file.Sequence(node, "consumes"))
        {
            if (LinkHead(file, item, links.Select(l => l.Name), "optional") is not ({ } map, { } name, { } type))
            {
                continue;
            }
            string? optional = file.Scalar(map, "optional", required: false);
            if (optional is not (null or "true" or "false"))
            {
                file.Problem(map, "optional must be true or false");
            }
            links.Add(new ConsumedLink(name, type, optional == "true"));
        }
        return links;
    }

    private static (YamlMappingNode? Map, string? Name, string? Type) LinkHead(YamlFile file, YamlNode item, IEnumerable<string> seen, string extraKey)
    {
        if (item is not YamlMappingNode map)
        {
            file.Problem(item, "a link must be a mapping with name and type");
            return (null, null, null);
        }
        file.OnlyKeys(map, "name", "type", extraKey);
        string? name = file.Scalar(map, "name", required: true);
        string? type = file.Scalar(map, "type", required: true);
        if (name is not null && !ReleaseNames.IsName(name) || type is not null && !ReleaseNames.IsName(type))
        {
            file.Problem(map, $"link name and type must match [a-z0-9][a-z0-9_-]*");
            return (null, null, null);
        }
        if (name is not null && seen.Contains(name, StringComparer.Ordinal))
        {
            file.Problem(map, $"link '{name}' is declared twice");
            return (null, null, null);
        }
        return (map, name, type);
    }

    private static void CheckName(YamlFile file, YamlNode node, string name, string what)
    {
        if (!ReleaseNames.IsName(name))
        {
            file.Problem(node, $"{what} name '{name}' must match [a-z0-9][a-z0-9_-]*");
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex PropertyPattern();
}
