namespace DeployDirector.Releases;

/// <summary>A regular file read from a release archive: its hash, size and mode; the text of the
/// small files the reader parses.</summary>
internal sealed record ArchiveEntry(string Path, string Sha256, long Size, bool Executable, string? Text);
