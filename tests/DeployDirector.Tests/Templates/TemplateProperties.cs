using System.Text.Json.Nodes;
using DeployDirector.Templates;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Templates;

/// <summary>Random template text: nothing but the typed error ever escapes, and text without tags
/// renders as itself.</summary>
public sealed class TemplateProperties
{
    private static readonly JsonNode Context = JsonNode.Parse("""{"a":"A","b":[1,2],"c":{"a":true},".":1,"":{"x":"y"}}""")!;

    /// <summary>Mostly the characters that matter to the parser, so tags (valid and not) are frequent.</summary>
    private static readonly Gen<string> TemplateText =
        Gen.Elements("{{", "}}", "{", "}", "#", "^", "/", "!", ".", "a", "b", "c", " ", "\n", "\r\n", "&", ">", "=", "x")
            .ListOf()
            .Select(parts => string.Concat(parts));

    [Fact]
    public void Random_text_fails_only_with_a_template_error()
    {
        Prop.ForAll(Arb.From(TemplateText), text =>
        {
            try
            {
                Template.Compile("random", text).Render(Context);
            }
            catch (TemplateException e)
            {
                Assert.True(e.Line >= 1 && e.Column >= 1, e.Message);
                Assert.Equal("random", e.Template);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void Text_without_tags_renders_as_itself()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<string>().Filter(s => s is not null && !s.Contains("{{", StringComparison.Ordinal)), text =>
        {
            Assert.Equal(text, Template.Compile("plain", text).Render(Context));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Text_of_braces_and_newlines_without_tags_renders_as_itself()
    {
        Gen<string> text = Gen.Elements("{", "}", "}}", "a", "\n", " ", "#").ListOf().Select(parts => string.Concat(parts))
            .Where(s => !s.Contains("{{", StringComparison.Ordinal));
        Prop.ForAll(Arb.From(text), s => Assert.Equal(s, Template.Compile("plain", s).Render(Context))).QuickCheckThrowOnFailure();
    }
}
