using System.Text.Json.Nodes;

namespace DeployDirector.Templates;

/// <summary>
/// A compiled template of the Mustache subset releases use: <c>{{ path }}</c>, <c>{{#path}}…{{/path}}</c>,
/// <c>{{^path}}…{{/path}}</c>, <c>{{! comment }}</c>. Rendering only looks names up in the JSON
/// context it is given: it runs no code and opens no file. Compile once, render many times; a
/// compiled template is immutable and safe to share between threads.
/// </summary>
public sealed class Template
{
    private readonly IReadOnlyList<TemplateNode> _nodes;

    private Template(string name, IReadOnlyList<TemplateNode> nodes)
    {
        Name = name;
        _nodes = nodes;
    }

    /// <summary>The name errors carry (e.g. <c>web/run.tmpl</c>).</summary>
    public string Name { get; }

    /// <exception cref="TemplateException">The text is not a valid template.</exception>
    public static Template Compile(string name, string text) => new(name, TemplateParser.Parse(name, text));

    /// <summary>Renders against <paramref name="context"/>, the outermost scope.</summary>
    /// <exception cref="TemplateException">A value is missing, or a limit of <see cref="TemplateLimits"/> is hit.</exception>
    public string Render(JsonNode? context) => new TemplateRenderer(Name, context).Render(_nodes);
}
