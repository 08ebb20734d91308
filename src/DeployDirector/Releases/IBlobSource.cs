namespace DeployDirector.Releases;

/// <summary>Reads content by its SHA-256: what rendering needs of the blob store.</summary>
public interface IBlobSource
{
    /// <exception cref="FileNotFoundException">No blob has that hash.</exception>
    Stream Open(string sha256);
}
