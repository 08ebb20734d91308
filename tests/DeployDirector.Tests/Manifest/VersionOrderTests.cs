using DeployDirector.Manifest;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Manifest;

public sealed class VersionOrderTests
{
    [Fact]
    public void Digit_runs_compare_as_numbers()
    {
        string[] sorted = [.. new[] { "10", "1.10", "2", "1.9", "1.10.1", "0.2", "1.10-rc1", "01.9" }.Order(VersionOrder.Instance)];
        Assert.Equal(["0.2", "01.9", "1.9", "1.10", "1.10-rc1", "1.10.1", "2", "10"], sorted);
        Assert.Equal("0.10", VersionOrder.Newest(["0.9", "0.10", "0.2"]));
    }

    [Fact]
    public void The_order_is_total_and_antisymmetric()
    {
        Gen<string> version = Gen.ListOf(Gen.Elements("0123456789.-ab".ToCharArray())).Select(cs => new string([.. cs.Take(8)]));
        Prop.ForAll(Arb.From(version), Arb.From(version), (a, b) =>
        {
            int ab = VersionOrder.Instance.Compare(a, b);
            Assert.Equal(Math.Sign(ab), -Math.Sign(VersionOrder.Instance.Compare(b, a)));
            Assert.Equal(a == b, ab == 0);
        }).QuickCheckThrowOnFailure();
    }
}
