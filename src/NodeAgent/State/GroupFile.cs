using System.Text.Json;
using DeployDirector.Contracts;

namespace NodeAgent.State;

/// <summary>
/// An instance's <c>group.json</c>: the service group as the director last pushed it. Versions order
/// pushes of one group; a push for another group (the instance moved between groups) replaces it whatever
/// its version.
/// </summary>
internal static class GroupFile
{
    /// <summary>The held group, or null when there is none or the file cannot be read as one.</summary>
    public static GroupInfo? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), AgentJson.Default.GroupInfo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public static void Write(string path, GroupInfo group) =>
        AgentPaths.WriteAtomically(path, JsonSerializer.Serialize(group, AgentJson.Default.GroupInfo));

    /// <summary>True when <paramref name="incoming"/> is news: nothing held, another group, or a newer version.
    /// The same version again (a retried push) is not.</summary>
    public static bool Supersedes(GroupInfo incoming, GroupInfo? held) =>
        held is null
        || !string.Equals(held.Deployment, incoming.Deployment, StringComparison.Ordinal)
        || !string.Equals(held.Group, incoming.Group, StringComparison.Ordinal)
        || incoming.Version > held.Version;
}
