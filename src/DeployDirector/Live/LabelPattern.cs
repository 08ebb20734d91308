namespace DeployDirector.Live;

/// <summary>Label names and values: short, plain, safe in URLs, logs and templates.</summary>
public static class LabelPattern
{
    public static bool IsValid(string text) =>
        text.Length is > 0 and <= 63 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
