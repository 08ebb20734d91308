namespace DeployDirector.Tests.Dns;

/// <summary>The DNS tests need the real dig; without it they fail, never skip.</summary>
public sealed class DigToolTests
{
    [Fact]
    public void A_missing_dig_fails_with_the_way_to_install_it()
    {
        string empty = Directory.CreateTempSubdirectory("ubd-dns-nodig-").FullName;
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => DigTool.Require("dig", empty));
            Assert.Contains("setup.sh", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void Dig_is_installed() => Assert.True(File.Exists(DigTool.Require("dig", DigTool.SearchPath)));
}
