using System.Globalization;

namespace DirectorBench.Failover;

/// <summary>
/// The failover fleet's deployments: ten groups each, every group <c>groupSize - 1</c> instances and
/// one hot spare; the first group of a deployment runs the backend job (its link), the rest web. The
/// meltdown settings take turns over the groups, so one mass failure shows them side by side.
/// </summary>
internal static class FailoverManifests
{
    public const int GroupsPerDeployment = 10;

    /// <summary>Every deployment's manifest for <paramref name="agents"/> nodes.</summary>
    public static IEnumerable<string> All(int agents, int groupSize, IReadOnlyList<string> meltdowns)
    {
        int groups = agents / groupSize;
        for (int d = 0; d * GroupsPerDeployment < groups; d++)
        {
            yield return Manifest(d, Math.Min(GroupsPerDeployment, groups - d * GroupsPerDeployment), groupSize, meltdowns);
        }
    }

    /// <summary>The meltdown setting of group <paramref name="group"/> of deployment <paramref name="deployment"/>.</summary>
    public static string Guard(IReadOnlyList<string> meltdowns, int deployment, int group) => meltdowns[(deployment * GroupsPerDeployment + group) % meltdowns.Count];

    /// <summary>The meltdown setting of a group key "fo{d}/g{g}".</summary>
    public static string GuardOf(IReadOnlyList<string> meltdowns, string key)
    {
        string[] parts = key.Split('/');
        return Guard(meltdowns, int.Parse(parts[0][2..], CultureInfo.InvariantCulture), int.Parse(parts[1][1..], CultureInfo.InvariantCulture));
    }

    private static string Manifest(int deployment, int groups, int groupSize, IReadOnlyList<string> meltdowns)
    {
        var text = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $$"""
            name: fo{{deployment}}
            releases:
              - { name: demo, version: latest }
            stemcells:
              - { alias: default, edition: stemcell }
            update: { canaries: 1, max_in_flight: 100%, canary_watch_time: 0-30000, update_watch_time: 0-30000 }
            instance_groups:
            """));
        for (int g = 0; g < groups; g++)
        {
            string job = g == 0 ? "backend" : "web";
            string failover = Guard(meltdowns, deployment, g) switch
            {
                "default" => "",
                "off" => "\n    failover: { meltdown: off }",
                string share => $"\n    failover: {{ meltdown: {{ share: {share} }} }}",
            };
            text.Append(CultureInfo.InvariantCulture, $"""

                  - name: g{g}
                    instances: {groupSize - 1}
                    spares: 1
                    stemcell: default{failover}
                    jobs:
                      - {"{"} name: {job}, release: demo {"}"}
                """);
        }
        return text.AppendLine().ToString();
    }
}
