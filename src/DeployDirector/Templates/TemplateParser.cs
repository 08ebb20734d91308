namespace DeployDirector.Templates;

/// <summary>
/// Turns template text into nodes in two passes: tokens (text and tags, with positions), then a
/// tree. Section and comment tags that stand alone on their line take the line with them (Mustache's
/// standalone rule), so loops in config files do not leave blank lines behind.
/// </summary>
internal static class TemplateParser
{
    private const string Open = "{{";
    private const string Close = "}}";

    public static IReadOnlyList<TemplateNode> Parse(string name, string text)
    {
        var lines = new LineMap(text);
        List<Token> tokens = Tokenize(name, text, lines);
        ApplyStandalone(tokens);
        return Build(name, tokens);
    }

    private static List<Token> Tokenize(string name, string text, LineMap lines)
    {
        var tokens = new List<Token>();
        int at = 0;
        while (at < text.Length)
        {
            int open = text.IndexOf(Open, at, StringComparison.Ordinal);
            if (open < 0)
            {
                tokens.Add(Token.Text(text[at..], lines.At(at)));
                break;
            }
            if (open > at)
            {
                tokens.Add(Token.Text(text[at..open], lines.At(at)));
            }
            (int line, int column) = lines.At(open);
            int close = text.IndexOf(Close, open + Open.Length, StringComparison.Ordinal);
            if (close < 0)
            {
                throw Syntax(name, line, column, "tag is not closed with }}");
            }
            tokens.Add(Tag(name, text[(open + Open.Length)..close], line, column));
            at = close + Close.Length;
        }
        return tokens;
    }

    private static Token Tag(string name, string content, int line, int column)
    {
        string trimmed = content.Trim();
        if (trimmed.Length == 0)
        {
            throw Syntax(name, line, column, "empty tag");
        }
        char sigil = trimmed[0];
        if (sigil == '!')
        {
            return Token.Tag(TagKind.Comment, "", line, column);
        }
        if (sigil is '&' or '>' or '<' or '=' or '{' or '$')
        {
            throw Syntax(name, line, column, $"'{{{{{sigil}' tags are not supported");
        }
        TagKind kind = sigil switch
        {
            '#' => TagKind.Section,
            '^' => TagKind.Inverted,
            '/' => TagKind.End,
            _ => TagKind.Value,
        };
        string path = kind == TagKind.Value ? trimmed : trimmed[1..].Trim();
        if (path.Length == 0)
        {
            throw Syntax(name, line, column, "tag has no name");
        }
        if (path.Any(c => char.IsWhiteSpace(c) || c is '{' or '}'))
        {
            throw Syntax(name, line, column, $"'{path}' is not a name (no spaces or braces)");
        }
        return Token.Tag(kind, path, line, column);
    }

    /// <summary>Decides standalone-ness on the untouched texts first, then trims, so that two
    /// standalone tags sharing one text between them both see it as it was written.</summary>
    private static void ApplyStandalone(List<Token> tokens)
    {
        var standalone = new List<int>();
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Kind is TagKind.Section or TagKind.Inverted or TagKind.End or TagKind.Comment
                && LineStartsBefore(tokens, i) && LineEndsAfter(tokens, i))
            {
                standalone.Add(i);
            }
        }
        foreach (int i in standalone)
        {
            if (i > 0)
            {
                Token before = tokens[i - 1];
                before.KeepEnd = before.Value.LastIndexOf('\n') + 1;
            }
            if (i + 1 < tokens.Count)
            {
                Token after = tokens[i + 1];
                int newline = after.Value.IndexOf('\n');
                after.KeepStart = newline >= 0 ? newline + 1 : after.Value.Length;
            }
        }
    }

    private static bool LineStartsBefore(List<Token> tokens, int i)
    {
        if (i == 0)
        {
            return true;
        }
        Token before = tokens[i - 1];
        if (before.Kind != TagKind.Text)
        {
            return false;
        }
        int newline = before.Value.LastIndexOf('\n');
        return (newline >= 0 || i == 1) && IsBlank(before.Value.AsSpan(newline + 1));
    }

    private static bool LineEndsAfter(List<Token> tokens, int i)
    {
        if (i + 1 == tokens.Count)
        {
            return true;
        }
        Token after = tokens[i + 1];
        if (after.Kind != TagKind.Text)
        {
            return false;
        }
        int newline = after.Value.IndexOf('\n');
        return newline >= 0 ? IsBlank(after.Value.AsSpan(0, newline)) : i + 2 == tokens.Count && IsBlank(after.Value);
    }

    private static bool IsBlank(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (c is not (' ' or '\t' or '\r'))
            {
                return false;
            }
        }
        return true;
    }

    private static List<TemplateNode> Build(string name, List<Token> tokens)
    {
        var root = new List<TemplateNode>();
        var open = new Stack<(Token Tag, List<TemplateNode> Parent, List<TemplateNode> Body)>();
        List<TemplateNode> current = root;
        foreach (Token token in tokens)
        {
            switch (token.Kind)
            {
                case TagKind.Text:
                    string text = token.Kept();
                    if (text.Length > 0)
                    {
                        current.Add(new TextNode(text, token.Line, token.Column));
                    }
                    break;
                case TagKind.Value:
                    current.Add(new ValueNode(new TemplatePath(token.Value), token.Line, token.Column));
                    break;
                case TagKind.Section or TagKind.Inverted:
                    if (open.Count == TemplateLimits.MaxDepth)
                    {
                        throw new TemplateException(TemplateErrorKind.TooDeep, name, token.Line, token.Column, $"sections nest deeper than {TemplateLimits.MaxDepth}");
                    }
                    var body = new List<TemplateNode>();
                    open.Push((token, current, body));
                    current = body;
                    break;
                case TagKind.End:
                    if (open.Count == 0)
                    {
                        throw Syntax(name, token.Line, token.Column, $"'{{{{/{token.Value}}}}}' closes no section");
                    }
                    (Token start, List<TemplateNode> parent, List<TemplateNode> sectionBody) = open.Pop();
                    if (start.Value != token.Value)
                    {
                        throw Syntax(name, token.Line, token.Column, $"'{{{{/{token.Value}}}}}' closes '{start.Value}' opened at {start.Line}:{start.Column}");
                    }
                    parent.Add(new SectionNode(new TemplatePath(start.Value), start.Kind == TagKind.Inverted, sectionBody, start.Line, start.Column));
                    current = parent;
                    break;
                case TagKind.Comment:
                    break;
            }
        }
        if (open.Count > 0)
        {
            Token unclosed = open.Peek().Tag;
            throw Syntax(name, unclosed.Line, unclosed.Column, $"section '{unclosed.Value}' is not closed");
        }
        return root;
    }

    private static TemplateException Syntax(string name, int line, int column, string reason) =>
        new(TemplateErrorKind.Syntax, name, line, column, reason);

    private enum TagKind
    {
        Text,
        Value,
        Section,
        Inverted,
        End,
        Comment,
    }

    /// <summary>A text or a tag; a text remembers how much of it standalone tags left.</summary>
    private sealed class Token
    {
        private Token(TagKind kind, string value, (int Line, int Column) position)
        {
            Kind = kind;
            Value = value;
            (Line, Column) = position;
            KeepEnd = value.Length;
        }

        public TagKind Kind { get; }

        public string Value { get; }

        public int Line { get; }

        public int Column { get; }

        public int KeepStart { get; set; }

        public int KeepEnd { get; set; }

        public static Token Text(string text, (int, int) position) => new(TagKind.Text, text, position);

        public static Token Tag(TagKind kind, string path, int line, int column) => new(kind, path, (line, column));

        public string Kept() => KeepStart >= KeepEnd ? "" : Value[KeepStart..KeepEnd];
    }

    /// <summary>Character offset → 1-based line and column.</summary>
    private sealed class LineMap
    {
        private readonly List<int> _starts = [0];

        public LineMap(string text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] == '\n')
                {
                    _starts.Add(i + 1);
                }
            }
        }

        public (int Line, int Column) At(int offset)
        {
            int index = _starts.BinarySearch(offset);
            int line = index >= 0 ? index : ~index - 1;
            return (line + 1, offset - _starts[line] + 1);
        }
    }
}
