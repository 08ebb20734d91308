using DeployDirector.Releases;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Releases;

public sealed class VersionOrderTests
{
    [Fact]
    public void Numbers_compare_as_numbers()
    {
        string[] versions = ["2", "1.10", "1.9", "1.2.1", "1.2", "10", "1.2.0", "0.9+build", "1.10-rc.1", "001.2.3"];
        Assert.Equal(["0.9+build", "1.2", "1.2.0", "1.2.1", "001.2.3", "1.9", "1.10", "1.10-rc.1", "2", "10"], versions.Order(VersionOrder.Instance));
    }

    private static readonly Gen<string> Versions =
        Gen.Elements("0", "1", "2", "9", "10", "01", ".", "-", "+", "a", "rc").ListOf().Select(parts => string.Concat(parts)).Where(v => v.Length > 0);

    [Fact]
    public void The_order_is_total_and_consistent()
    {
        Prop.ForAll(Arb.From(Versions), Arb.From(Versions), Arb.From(Versions), (a, b, c) =>
        {
            VersionOrder order = VersionOrder.Instance;
            Assert.Equal(Math.Sign(order.Compare(a, b)), -Math.Sign(order.Compare(b, a)));
            Assert.Equal(a == b, order.Compare(a, b) == 0);
            if (order.Compare(a, b) <= 0 && order.Compare(b, c) <= 0)
            {
                Assert.True(order.Compare(a, c) <= 0, $"{a} <= {b} <= {c}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }
}
