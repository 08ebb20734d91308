namespace DeployDirector;

/// <summary>An operation the director refuses; the message says what to do. Mapped to HTTP status in one place.</summary>
public class DirectorException(DirectorError kind, string message) : Exception(message)
{
    public DirectorError Kind { get; } = kind;
}

public enum DirectorError
{
    Invalid,
    NotFound,
    Conflict,
    Unavailable,
}
