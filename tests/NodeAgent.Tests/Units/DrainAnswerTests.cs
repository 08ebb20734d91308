using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using NodeAgent.Supervision;

namespace NodeAgent.Tests.Units;

public sealed class DrainAnswerTests
{
    [Fact]
    public void Any_integer_is_a_wait_and_negative_ones_ask_again() =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seconds =>
        {
            Assert.True(DrainAnswer.TryParse($"draining\n{seconds.ToString(CultureInfo.InvariantCulture)}\n", out var answer));
            Assert.Equal(TimeSpan.FromSeconds(Math.Abs((long)seconds)), answer.Wait);
            Assert.Equal(seconds < 0, answer.AskAgain);
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("1.5")]
    [InlineData("3\nnot yet")]
    [InlineData("99999999999")]
    public void Anything_but_an_integer_last_is_no_answer(string output) =>
        Assert.False(DrainAnswer.TryParse(output, out _));

    [Fact]
    public void Whitespace_around_the_answer_is_ignored()
    {
        Assert.True(DrainAnswer.TryParse("  -7 \r\n\n", out var answer));
        Assert.Equal(new DrainAnswer(TimeSpan.FromSeconds(7), AskAgain: true), answer);
    }
}
