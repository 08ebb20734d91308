using System.Text.RegularExpressions;

namespace DeployDirector.Releases;

/// <summary>The shapes of names, versions and hashes a release may use.</summary>
internal static partial class ReleaseNames
{
    public static bool IsName(string? value) => value is not null && NamePattern().IsMatch(value);

    public static bool IsVersion(string? value) => value is not null && VersionPattern().IsMatch(value);

    public static bool IsSha256(string? value) => value is not null && Sha256Pattern().IsMatch(value);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9A-Za-z.+-]+$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
