namespace Ubd.Cli;

/// <summary>The API refused or failed a request; <see cref="Exception.Message"/> is its problem detail.</summary>
internal sealed class ApiException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    /// <summary>The exit code a script sees for this problem.</summary>
    public int ExitCode => Status switch
    {
        404 => ExitCodes.NotFound,
        400 when Title is "usage" or "invalid argument" or "bad request body" => ExitCodes.Usage,
        422 when Title == "stream damaged" => ExitCodes.Corrupt,
        422 => ExitCodes.Invalid,
        409 when Title == "in use" => ExitCodes.InUse,
        500 when Title == "layer damaged" => ExitCodes.Corrupt,
        _ => ExitCodes.Failed,
    };
}
