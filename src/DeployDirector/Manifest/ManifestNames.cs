using System.Text.RegularExpressions;

namespace DeployDirector.Manifest;

/// <summary>The naming rules of manifest values, each with the sentence that explains it.</summary>
internal static partial class ManifestNames
{
    public const string DeploymentRule = "1 to 63 lowercase letters, digits or '-', starting with a letter or digit";
    public const string IdentifierRule = "letters, digits, '_', '.' or '-', starting with a letter or digit (at most 128)";
    public const string VersionRule = "letters, digits, '.', '_', '+' or '-', starting with a letter or digit";

    // UnionBlock's layer names, without '@': the edition number is added after it.
    public const string LineageRule = "a lineage name (letters, digits, '.', '_', '-', starting with a letter or digit)";
    public const string PortRule = "1 to 15 lowercase letters, digits or '-', starting with a letter, no '--' and no '-' at the end (a DNS SRV service name)";
    public const string EditionRule = "a lineage (base) or one of its editions (base@3)";

    /// <summary>Deployment and instance group names: they become parts of node and leaf names.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    public static partial Regex Deployment();

    /// <summary>Releases, jobs, links, stemcell aliases.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    public static partial Regex Identifier();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")]
    public static partial Regex Version();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    public static partial Regex Lineage();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(@[1-9][0-9]{0,8})?$")]
    public static partial Regex Edition();

    /// <summary>Port names: RFC 6335 service names, as DNS SRV records carry them (<c>_http._tcp</c>).</summary>
    [GeneratedRegex("^(?=.{1,15}$)[a-z](-?[a-z0-9])*$")]
    public static partial Regex Port();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}$")]
    public static partial Regex Variable();
}
