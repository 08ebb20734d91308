namespace DeployDirector.Templates;

/// <summary>Bounds on what one template may cost: a template comes from an uploaded release and its
/// context from a manifest, so neither may make the director build unbounded output or loop forever.</summary>
public static class TemplateLimits
{
    /// <summary>Characters one rendering may produce (16 Mi).</summary>
    public const int MaxOutputChars = 16 * 1024 * 1024;

    /// <summary>How deep sections may nest.</summary>
    public const int MaxDepth = 32;

    /// <summary>Nodes one rendering may visit: nested sections over arrays multiply, even with empty
    /// bodies. A million is far beyond any config file (a loop over 100,000 items of 10 tags each).</summary>
    public const long MaxSteps = 1_000_000;
}
