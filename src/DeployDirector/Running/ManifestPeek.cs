using YamlDotNet.RepresentationModel;

namespace DeployDirector.Running;

/// <summary>
/// What the director must know of a manifest before validating it: the deployment's name (to find
/// its stored variables) and the password variables it declares (generated when missing). Anything
/// unreadable gives empty answers: the loader reports the errors.
/// </summary>
internal sealed record ManifestPeek(string? Name, IReadOnlyList<string> Passwords)
{
    public static ManifestPeek Read(string yaml)
    {
        if (yaml.Length > Manifest.ManifestLoader.MaxBytes)
        {
            return new ManifestPeek(null, []);
        }
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                return new ManifestPeek(null, []);
            }
            string? name = root.Children.TryGetValue(new YamlScalarNode("name"), out YamlNode? n) && n is YamlScalarNode s ? s.Value : null;
            var passwords = new List<string>();
            if (root.Children.TryGetValue(new YamlScalarNode("variables"), out YamlNode? v) && v is YamlSequenceNode declared)
            {
                foreach (YamlMappingNode variable in declared.Children.OfType<YamlMappingNode>())
                {
                    if (variable.Children.TryGetValue(new YamlScalarNode("type"), out YamlNode? t) && t is YamlScalarNode { Value: "password" }
                        && variable.Children.TryGetValue(new YamlScalarNode("name"), out YamlNode? vn) && vn is YamlScalarNode { Value: { } variableName })
                    {
                        passwords.Add(variableName);
                    }
                }
            }
            return new ManifestPeek(name, passwords);
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return new ManifestPeek(null, []);
        }
    }
}
