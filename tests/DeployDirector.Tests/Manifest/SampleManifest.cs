namespace DeployDirector.Tests.Manifest;

/// <summary>A manifest using every field, with its lines numbered so tests can point at them.</summary>
internal static class SampleManifest
{
    public const string File = "demo.yml";

    private static readonly string[] Lines =
    [
        "name: demo",                                                   // 1
        "releases:",                                                    // 2
        "  - { name: demo, version: 1 }",                               // 3
        "  - name: other",                                              // 4
        "    version: latest",                                          // 5
        "stemcells:",                                                   // 6
        "  - { alias: default, edition: stemcell }",                    // 7
        "  - alias: fast",                                              // 8
        "    edition: stemcell@2",                                      // 9
        "update:",                                                      // 10
        "  canaries: 1",                                                // 11
        "  max_in_flight: 2",                                           // 12
        "  canary_watch_time: 1000-30000",                              // 13
        "  update_watch_time: 5000",                                    // 14
        "  serial: true",                                               // 15
        "  min_available: 1",                                           // 16
        "variables:",                                                   // 17
        "  - { name: admin_password, type: password }",                 // 18
        "  - name: title",                                              // 19
        "    type: string",                                             // 20
        "instance_groups:",                                             // 21
        "  - name: web",                                                // 22
        "    instances: 2",                                             // 23
        "    spares: 1",                                                // 24
        "    stemcell: default",                                        // 25
        "    branch: web",                                              // 26
        "    lifecycle: service",                                       // 27
        "    placement: { labels: { role: web }, failure_domain: zone }", // 28
        "    resources: { cores: 1, memory: 256M }",                    // 29
        "    update: { canaries: 0, max_in_flight: 50% }",              // 30
        "    jobs:",                                                    // 31
        "      - name: httpd",                                          // 32
        "        release: demo",                                        // 33
        "        properties: { port: 80, title: ((title)), tls: { enabled: false }, ratio: 0.5, tags: [a, \"1\", ~] }", // 34
        "        provides: { web: { as: web-servers } }",               // 35
        "        consumes: { backend: { from: backend-api, optional: false } }", // 36
        "  - name: api",                                                // 37
        "    instances: 1",                                             // 38
        "    stemcell: fast",                                           // 39
        "    jobs:",                                                    // 40
        "      - name: server",                                         // 41
        "        release: other",                                       // 42
        "        provides: { backend: { as: backend-api } }",           // 43
        "        consumes: { web: { from: web-servers } }",             // 44
        "  - name: migrate",                                            // 45
        "    instances: 1",                                             // 46
        "    stemcell: default",                                        // 47
        "    lifecycle: errand",                                        // 48
        "    jobs:",                                                    // 49
        "      - { name: run, release: demo }",                         // 50
    ];

    public static IReadOnlyDictionary<string, string> Variables { get; } =
        new Dictionary<string, string> { ["title"] = "Hello", ["admin_password"] = "s3cret" };

    public static string Yaml => Text(Lines);

    /// <summary>The manifest with 1-based line <paramref name="line"/> replaced (by several lines when it holds '\n').</summary>
    public static string With(int line, string replacement)
    {
        string[] lines = (string[])Lines.Clone();
        lines[line - 1] = replacement;
        return Text(lines);
    }

    /// <summary>The manifest with line <c>"n"</c> or lines <c>"n-m"</c> replaced by <paramref name="replacement"/>.</summary>
    public static string With(string lines, string replacement) => ManifestLines.With(Lines, lines, replacement);

    /// <summary>The manifest with several lines replaced at once.</summary>
    public static string With(params (int Line, string Text)[] replacements)
    {
        string[] lines = (string[])Lines.Clone();
        foreach ((int line, string text) in replacements)
        {
            lines[line - 1] = text;
        }
        return Text(lines);
    }

    private static string Text(IEnumerable<string> lines) => ManifestLines.Text(lines);
}
