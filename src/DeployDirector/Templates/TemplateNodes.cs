namespace DeployDirector.Templates;

/// <summary>A compiled template is a list of these; positions are the tag's (1-based).</summary>
internal abstract record TemplateNode(int Line, int Column);

internal sealed record TextNode(string Text, int Line, int Column) : TemplateNode(Line, Column);

internal sealed record ValueNode(TemplatePath Path, int Line, int Column) : TemplateNode(Line, Column);

internal sealed record SectionNode(TemplatePath Path, bool Inverted, IReadOnlyList<TemplateNode> Body, int Line, int Column)
    : TemplateNode(Line, Column);

/// <summary>A dotted name; <c>.</c> alone is the innermost scope itself. Segments are plain keys
/// (or array indexes): nothing in them is interpreted further.</summary>
internal sealed record TemplatePath(string Text)
{
    public bool IsSelf => Text == ".";

    public string[] Segments { get; } = Text == "." ? [] : Text.Split('.');
}
