namespace DeployDirector.Templates;

/// <summary>A template that does not compile or does not render, with where it happened (1-based line
/// and column of the tag, counted in characters).</summary>
public sealed class TemplateException : Exception
{
    public TemplateException(TemplateErrorKind kind, string template, int line, int column, string reason)
        : base($"{template}:{line}:{column}: {reason}")
    {
        Kind = kind;
        Template = template;
        Line = line;
        Column = column;
        Reason = reason;
    }

    public TemplateErrorKind Kind { get; }

    public string Template { get; }

    public int Line { get; }

    public int Column { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }
}
