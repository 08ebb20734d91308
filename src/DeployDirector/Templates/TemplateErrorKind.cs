namespace DeployDirector.Templates;

/// <summary>Why a template failed to compile or render.</summary>
public enum TemplateErrorKind
{
    /// <summary>The text is not a valid template (unclosed tag, mismatched section, unsupported tag).</summary>
    Syntax,

    /// <summary>A <c>{{ path }}</c> resolved to nothing (missing or null): config files must not get empty values silently.</summary>
    MissingValue,

    /// <summary>The output would exceed <see cref="TemplateLimits.MaxOutputChars"/>.</summary>
    OutputTooLarge,

    /// <summary>Sections nest deeper than <see cref="TemplateLimits.MaxDepth"/>.</summary>
    TooDeep,

    /// <summary>Rendering took more than <see cref="TemplateLimits.MaxSteps"/> steps (nested loops over large arrays).</summary>
    TooManySteps,
}
