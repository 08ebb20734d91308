using System.Text.Json;

namespace DeployDirector.Releases;

/// <summary>The catalog's value under <c>release/NAME/VERSION</c>: camelCase JSON with a format version.</summary>
internal sealed record StoredRelease(int Format, ReleaseRecord Release)
{
    public const int CurrentFormat = 1;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}
