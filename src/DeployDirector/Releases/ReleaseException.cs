namespace DeployDirector.Releases;

/// <summary>The expected ways a release operation is refused.</summary>
public abstract class ReleaseException(string message) : Exception(message);
