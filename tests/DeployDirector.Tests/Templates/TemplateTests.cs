using System.Text.Json.Nodes;
using DeployDirector.Templates;

namespace DeployDirector.Tests.Templates;

public sealed class TemplateTests
{
    private static string Render(string text, string json) => Template.Compile("t", text).Render(JsonNode.Parse(json));

    private static TemplateException Fails(string text, string json = "{}") =>
        Assert.Throws<TemplateException>(() => Render(text, json));

    [Fact]
    public void Values_print_strings_as_is_numbers_invariantly_booleans_and_json()
    {
        const string context = """{"s":"a b","i":42,"d":2.5,"big":12345678901234,"t":true,"f":false,"o":{"x":1,"y":"é"},"a":[1,"two"]}""";
        Assert.Equal("a b|42|2.5|12345678901234|true|false", Render("{{s}}|{{ i }}|{{d}}|{{big}}|{{t}}|{{f}}", context));
        Assert.Equal("""{"x":1,"y":"é"} [1,"two"]""", Render("{{o}} {{a}}", context));
    }

    [Fact]
    public void Dotted_paths_walk_objects_and_array_indexes()
    {
        Assert.Equal("3 b", Render("{{ a.b.c }} {{ list.1 }}", """{"a":{"b":{"c":3}},"list":["a","b"]}"""));
    }

    [Fact]
    public void Nothing_is_escaped()
    {
        Assert.Equal("<&>\"'", Render("{{v}}", """{"v":"<&>\"'"}"""));
    }

    [Fact]
    public void Sections_repeat_over_arrays_with_the_item_as_innermost_scope()
    {
        Assert.Equal("[a][b]", Render("{{#xs}}[{{.}}]{{/xs}}", """{"xs":["a","b"]}"""));
        Assert.Equal("n1=1,n2=2,", Render("{{#xs}}{{name}}={{v}},{{/xs}}", """{"xs":[{"name":"n1","v":1},{"name":"n2","v":2}]}"""));
    }

    [Fact]
    public void Sections_render_once_when_truthy_and_not_at_all_when_missing_false_or_empty()
    {
        const string context = """{"t":true,"o":{"k":"v"},"zero":0,"f":false,"e":[],"es":""}""";
        Assert.Equal("yes v 0", Render("{{#t}}yes{{/t}} {{#o}}{{k}}{{/o}} {{#zero}}{{.}}{{/zero}}", context));
        Assert.Equal("", Render("{{#missing}}x{{/missing}}{{#f}}x{{/f}}{{#e}}x{{/e}}{{#es}}x{{/es}}", context));
        Assert.Equal("", Render("{{#missing.deeper.still}}{{nope}}{{/missing.deeper.still}}", context));
    }

    [Fact]
    public void Inverted_sections_render_only_when_missing_false_or_empty()
    {
        const string context = """{"t":true,"f":false,"e":[],"xs":[1]}""";
        Assert.Equal("1234", Render("{{^missing}}1{{/missing}}{{^f}}2{{/f}}{{^e}}3{{/e}}{{^t}}no{{/t}}{{^xs}}no{{/xs}}4", context));
    }

    [Fact]
    public void Comments_render_nothing()
    {
        Assert.Equal("ab", Render("a{{! anything {{ here }}b", "{}"));
    }

    [Fact]
    public void Names_resolve_from_the_innermost_scope_outwards()
    {
        const string context = """{"name":"outer","only":"top","xs":[{"name":"inner"},{"other":1}]}""";
        Assert.Equal("inner/top outer/top ", Render("{{#xs}}{{name}}/{{only}} {{/xs}}", context));
    }

    [Fact]
    public void A_dotted_name_found_in_an_inner_scope_does_not_fall_back_outwards()
    {
        TemplateException e = Fails("{{#xs}}{{a.b}}{{/xs}}", """{"a":{"b":1},"xs":[{"a":{}}]}""");
        Assert.Equal(TemplateErrorKind.MissingValue, e.Kind);
    }

    [Fact]
    public void A_missing_value_is_an_error_with_template_line_and_column()
    {
        TemplateException e = Fails("first line\n  value: {{ missing.key }}\n");
        Assert.Equal((TemplateErrorKind.MissingValue, "t", 2, 10), (e.Kind, e.Template, e.Line, e.Column));
        Assert.Contains("missing.key", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("t:2:10:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_value_is_missing_too()
    {
        Assert.Equal(TemplateErrorKind.MissingValue, Fails("{{v}}", """{"v":null}""").Kind);
    }

    [Fact]
    public void Paths_that_look_like_files_are_only_missing_names()
    {
        foreach (string path in new[] { "../../etc/passwd", "./etc/passwd", "..", "a..b", "System.IO.File", "process.env" })
        {
            TemplateException e = Fails($"{{{{ {path} }}}}", """{"a":{"b":1},"etc":{"passwd":"x"}}""");
            Assert.Equal(TemplateErrorKind.MissingValue, e.Kind);
        }
    }

    [Theory]
    [InlineData("ab\n  {{ open", 2, 3, "not closed")]
    [InlineData("x {{#s}}\n{{#t}}{{/t}}", 1, 3, "'s' is not closed")]
    [InlineData("{{#s}}\n  {{/t}}", 2, 3, "closes 's' opened at 1:1")]
    [InlineData("a\nb {{/s}}", 2, 3, "closes no section")]
    [InlineData("{{ }}", 1, 1, "empty tag")]
    [InlineData("{{#}}{{/}}", 1, 1, "no name")]
    [InlineData("{{> partial}}", 1, 1, "not supported")]
    [InlineData("{{{raw}}}", 1, 1, "not supported")]
    [InlineData("{{&raw}}", 1, 1, "not supported")]
    [InlineData("{{=<% %>=}}", 1, 1, "not supported")]
    [InlineData("\n\n   {{a b}}", 3, 4, "not a name")]
    public void Syntax_errors_name_the_line_and_column(string text, int line, int column, string reason)
    {
        TemplateException e = Assert.Throws<TemplateException>(() => Template.Compile("job/x.tmpl", text));
        Assert.Equal((TemplateErrorKind.Syntax, "job/x.tmpl", line, column), (e.Kind, e.Template, e.Line, e.Column));
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Standalone_section_and_comment_lines_leave_no_blank_lines()
    {
        const string text = "hosts:\n  {{#xs}}\n  - {{.}}\n  {{/xs}}\n{{! done }}\nend\n";
        Assert.Equal("hosts:\n  - a\n  - b\nend\n", Render(text, """{"xs":["a","b"]}"""));
        Assert.Equal("hosts:\nend\n", Render(text, """{"xs":[]}"""));
    }

    [Fact]
    public void Tags_sharing_a_line_with_text_keep_the_line()
    {
        Assert.Equal("a [x] b\n", Render("a {{#t}}[x]{{/t}} b\n", """{"t":true}"""));
    }

    [Fact]
    public void Nesting_is_bounded()
    {
        string deep = string.Concat(Enumerable.Repeat("{{#a}}", TemplateLimits.MaxDepth + 1)) + string.Concat(Enumerable.Repeat("{{/a}}", TemplateLimits.MaxDepth + 1));
        Assert.Equal(TemplateErrorKind.TooDeep, Assert.Throws<TemplateException>(() => Template.Compile("t", deep)).Kind);
        string allowed = string.Concat(Enumerable.Repeat("{{#a}}", TemplateLimits.MaxDepth)) + "x" + string.Concat(Enumerable.Repeat("{{/a}}", TemplateLimits.MaxDepth));
        Assert.Equal("x", Template.Compile("t", allowed).Render(JsonNode.Parse("""{"a":true}""")));
    }

    [Fact]
    public void Output_is_bounded()
    {
        var context = new JsonObject { ["big"] = new string('x', 1024 * 1024), ["xs"] = new JsonArray([.. Enumerable.Range(0, 17).Select(i => (JsonNode)i)]) };
        TemplateException e = Assert.Throws<TemplateException>(() => Template.Compile("t", "{{#xs}}{{big}}{{/xs}}").Render(context));
        Assert.Equal(TemplateErrorKind.OutputTooLarge, e.Kind);
        Assert.Equal(15 * 1024 * 1024, Template.Compile("t", "{{#xs}}{{big}}{{/xs}}").Render(new JsonObject
        {
            ["big"] = new string('x', 1024 * 1024),
            ["xs"] = new JsonArray([.. Enumerable.Range(0, 15).Select(i => (JsonNode)i)]),
        }).Length);
    }

    [Fact]
    public void Nested_loops_with_empty_bodies_are_bounded_in_steps()
    {
        var context = new JsonObject { ["xs"] = new JsonArray([.. Enumerable.Range(0, 10).Select(i => (JsonNode)i)]) };
        string text = string.Concat(Enumerable.Repeat("{{#xs}}", 8)) + string.Concat(Enumerable.Repeat("{{/xs}}", 8));
        Assert.Equal(TemplateErrorKind.TooManySteps, Assert.Throws<TemplateException>(() => Template.Compile("t", text).Render(context)).Kind);
    }

    [Fact]
    public void A_compiled_template_renders_many_contexts()
    {
        Template template = Template.Compile("t", "port={{port}}");
        Assert.Equal("port=1", template.Render(JsonNode.Parse("""{"port":1}""")));
        Assert.Equal("port=2", template.Render(JsonNode.Parse("""{"port":2}""")));
        Assert.Equal("t", template.Name);
    }
}
