using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

internal static class ManifestAssert
{
    public static DeploymentManifest Valid(ManifestResult result)
    {
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Empty(result.Errors);
        return result.Manifest!;
    }

    /// <summary>The result is exactly one error, at <paramref name="line"/>:<paramref name="column"/>, saying <paramref name="says"/>.</summary>
    public static ManifestError Single(ManifestResult result, int line, int column, string says)
    {
        Assert.Null(result.Manifest);
        Assert.False(result.Ok);
        ManifestError error = Assert.Single(result.Errors);
        Assert.True(error.Line == line && error.Column == column && error.Message.Contains(says, StringComparison.Ordinal),
            $"expected {line}:{column} '{says}', got {error}");
        return error;
    }

    /// <summary>Among the errors, one at <paramref name="line"/>:<paramref name="column"/> saying <paramref name="says"/>.</summary>
    public static void Has(ManifestResult result, int line, int column, string says)
    {
        Assert.Null(result.Manifest);
        Assert.True(result.Errors.Any(e => e.Line == line && e.Column == column && e.Message.Contains(says, StringComparison.Ordinal)),
            $"expected {line}:{column} '{says}' among:\n{string.Join("\n", result.Errors)}");
    }
}
