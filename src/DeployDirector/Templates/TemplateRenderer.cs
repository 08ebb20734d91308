using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeployDirector.Templates;

/// <summary>One rendering: the scope stack, the output and the step budget.</summary>
internal sealed class TemplateRenderer
{
    /// <summary>Objects and arrays print as compact JSON; config files want the characters, not \u escapes.</summary>
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _name;
    private readonly List<JsonNode?> _scopes = [];
    private readonly StringBuilder _output = new();
    private long _steps;

    public TemplateRenderer(string name, JsonNode? context)
    {
        _name = name;
        _scopes.Add(context);
    }

    public string Render(IReadOnlyList<TemplateNode> nodes)
    {
        RenderNodes(nodes);
        return _output.ToString();
    }

    private void RenderNodes(IReadOnlyList<TemplateNode> nodes)
    {
        foreach (TemplateNode node in nodes)
        {
            if (++_steps > TemplateLimits.MaxSteps)
            {
                throw Error(TemplateErrorKind.TooManySteps, node, $"rendering takes more than {TemplateLimits.MaxSteps} steps");
            }
            switch (node)
            {
                case TextNode text:
                    Append(text.Text, node);
                    break;
                case ValueNode value:
                    JsonNode found = Resolve(value.Path)
                        ?? throw Error(TemplateErrorKind.MissingValue, node, $"'{value.Path.Text}' has no value");
                    Append(Format(found), node);
                    break;
                case SectionNode section:
                    RenderSection(section);
                    break;
            }
        }
    }

    private void RenderSection(SectionNode section)
    {
        JsonNode? value = Resolve(section.Path);
        if (section.Inverted)
        {
            if (!IsTruthy(value))
            {
                RenderNodes(section.Body);
            }
            return;
        }
        if (value is JsonArray items)
        {
            foreach (JsonNode? item in items)
            {
                RenderIn(item, section.Body);
            }
        }
        else if (IsTruthy(value))
        {
            RenderIn(value, section.Body);
        }
    }

    private void RenderIn(JsonNode? scope, IReadOnlyList<TemplateNode> body)
    {
        _scopes.Add(scope);
        RenderNodes(body);
        _scopes.RemoveAt(_scopes.Count - 1);
    }

    /// <summary>The first segment is looked up from the innermost scope outwards; the rest only
    /// inside what it found. Null counts as absent.</summary>
    private JsonNode? Resolve(TemplatePath path)
    {
        if (path.IsSelf)
        {
            return _scopes[^1];
        }
        string[] segments = path.Segments;
        for (int s = _scopes.Count - 1; s >= 0; s--)
        {
            if (_scopes[s] is JsonObject scope && scope.TryGetPropertyValue(segments[0], out JsonNode? start))
            {
                return Walk(start, segments);
            }
        }
        return null;
    }

    private static JsonNode? Walk(JsonNode? node, string[] segments)
    {
        for (int i = 1; i < segments.Length && node is not null; i++)
        {
            node = node switch
            {
                JsonObject o => o.TryGetPropertyValue(segments[i], out JsonNode? child) ? child : null,
                JsonArray a => int.TryParse(segments[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) && index < a.Count ? a[index] : null,
                _ => null,
            };
        }
        return node;
    }

    /// <summary>Missing, null, false, an empty array and an empty string are false; everything else
    /// (0 included, as in Mustache) is true.</summary>
    private static bool IsTruthy(JsonNode? value) => value switch
    {
        null => false,
        JsonArray a => a.Count > 0,
        JsonObject => true,
        _ => value.GetValueKind() switch
        {
            JsonValueKind.False or JsonValueKind.Null => false,
            JsonValueKind.String => value.GetValue<string>().Length > 0,
            _ => true,
        },
    };

    private static string Format(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.ToJsonString(Compact),
    };

    private void Append(string text, TemplateNode node)
    {
        if (_output.Length + text.Length > TemplateLimits.MaxOutputChars)
        {
            throw Error(TemplateErrorKind.OutputTooLarge, node, $"output exceeds {TemplateLimits.MaxOutputChars} characters");
        }
        _output.Append(text);
    }

    private TemplateException Error(TemplateErrorKind kind, TemplateNode node, string reason) =>
        new(kind, _name, node.Line, node.Column, reason);
}
