using NodeAgent.Config;

namespace NodeAgent.Tests.Units;

public sealed class AgentOptionsTests
{
    private const string Cmdline = "console=ttyS0 nbdroot=10.0.2.2:10809/leaf-7 ubd.director=http://10.0.2.2:5080/ ubd.credential=kernel-token ubd.node=52:54:00:AA:BB:CC quiet\n";

    [Fact]
    public void Missing_flags_come_from_the_kernel_command_line()
    {
        var options = AgentOptions.TryParse(["--data", "/tmp/x"], Cmdline, "/nonexistent", out var error);

        Assert.NotNull(options);
        Assert.Equal("", error);
        Assert.Equal(new Uri("http://10.0.2.2:5080/"), options.Director);
        Assert.Equal("kernel-token", options.Credential);
        Assert.Equal("52:54:00:aa:bb:cc", options.Mac);
        Assert.Equal("/tmp/x", options.DataDirectory);
        Assert.Equal("reboot -f", options.RebootCommand);
        Assert.Equal("leaf-7", KernelCommandLine.LeafOf(KernelCommandLine.Parse(Cmdline)));
    }

    [Fact]
    public void Flags_win_over_the_kernel_command_line_and_the_mac_file_is_the_last_resort()
    {
        var macFile = Path.GetTempFileName();
        File.WriteAllText(macFile, "52:54:00:01:02:03\n");
        try
        {
            var options = AgentOptions.TryParse(["--director", "http://d:1/", "--credential", "flag-token", "--reboot-command", "true"], "ubd.credential=kernel-token", macFile, out _);

            Assert.NotNull(options);
            Assert.Equal("flag-token", options.Credential);
            Assert.Equal("52:54:00:01:02:03", options.Mac);
            Assert.Equal(AgentOptions.DefaultData, options.DataDirectory);
            Assert.Equal("true", options.RebootCommand);
        }
        finally
        {
            File.Delete(macFile);
        }
    }

    [Theory]
    [InlineData("", "director")]
    [InlineData("ubd.director=http://d/", "credential")]
    [InlineData("ubd.director=http://d/ ubd.credential=t", "MAC")]
    public void Says_what_is_missing(string cmdline, string missing)
    {
        Assert.Null(AgentOptions.TryParse([], cmdline, "/nonexistent", out var error));
        Assert.Contains(missing, error, StringComparison.Ordinal);
    }
}
