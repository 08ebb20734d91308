namespace DeployDirector.Tests.Manifest;

/// <summary>A manifest whose first group sets every service-group field, with its lines numbered; a
/// second group of 0 instances and an errand group say nothing and take the defaults.</summary>
internal static class ServiceGroupSample
{
    public const string File = "service.yml";

    private static readonly string[] Lines =
    [
        "name: demo",                                         // 1
        "releases: [{ name: demo, version: 1 }]",             // 2
        "stemcells: [{ alias: default, edition: stemcell }]", // 3
        "instance_groups:",                                   // 4
        "  - name: web",                                      // 5
        "    instances: 3",                                   // 6
        "    stemcell: default",                              // 7
        "    failover:",                                      // 8
        "      heartbeat: 500ms",                             // 9
        "      suspect_after: 2",                             // 10
        "      dead_after: 4",                                // 11
        "      lease: 3s",                                    // 12
        "      fence: true",                                  // 13
        "      give_back: true",                              // 14
        "      failing_after: 2m",                            // 15
        "      orphan_alert: 600000",                         // 16
        "      meltdown: { share: 40%, window: 1m }",         // 17
        "    balance:",                                       // 18
        "      metric: memory",                               // 19
        "      high_water: 85%",                              // 20
        "      low_water: 60",                                // 21
        "      min_available: 2",                             // 22
        "      interval: 5s",                                 // 23
        "      max_moves: 1",                                 // 24
        "    autoscale:",                                     // 25
        "      min: 2",                                       // 26
        "      max: 6",                                       // 27
        "      scale_out_above: 75%",                         // 28
        "      scale_in_below: 25%",                          // 29
        "      cooldown: 30s",                                // 30
        "      release: keep",                                // 31
        "    ports: { http: 8080, admin-api: 9090 }",         // 32
        "    jobs:",                                          // 33
        "      - { name: httpd, release: demo }",             // 34
        "  - name: plain",                                    // 35
        "    instances: 0",                                   // 36
        "    stemcell: default",                              // 37
        "    jobs:",                                          // 38
        "      - { name: httpd, release: demo }",             // 39
        "  - name: once",                                     // 40
        "    instances: 1",                                   // 41
        "    stemcell: default",                              // 42
        "    lifecycle: errand",                              // 43
        "    jobs:",                                          // 44
        "      - { name: run, release: demo }",               // 45
    ];

    public static string Yaml => ManifestLines.Text(Lines);

    /// <summary>The manifest with line <c>"n"</c> or lines <c>"n-m"</c> replaced by <paramref name="replacement"/>.</summary>
    public static string With(string lines, string replacement) => ManifestLines.With(Lines, lines, replacement);
}
