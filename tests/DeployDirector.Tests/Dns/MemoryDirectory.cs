using DeployDirector.Dns;

namespace DeployDirector.Tests.Dns;

/// <summary>An endpoint directory whose membership a test changes between queries.</summary>
internal sealed class MemoryDirectory : IEndpointDirectory
{
    private volatile IReadOnlyList<ServiceEndpoints> _groups = [];

    public Func<IReadOnlyList<ServiceEndpoints>>? Failing { get; set; }

    public void Set(params ServiceEndpoints[] groups) => _groups = groups;

    public IReadOnlyList<ServiceEndpoints> Groups() => Failing?.Invoke() ?? _groups;

    /// <summary>Group <c>web</c> of deployment <c>demo</c>, port <c>http</c> 8080, members at 10.0.0.(index+1).</summary>
    public static ServiceEndpoints Web(params int[] available) => Group("demo", "web", available);

    public static ServiceEndpoints Group(string deployment, string group, params int[] available) =>
        new(deployment, group, [.. available.Select(i => new MemberEndpoint(i, Address(i)))], new Dictionary<string, int> { ["http"] = 8080 });

    public static string Address(int index) => $"10.0.{index / 250}.{(index % 250) + 1}";
}
