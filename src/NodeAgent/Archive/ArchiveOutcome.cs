using DeployDirector.Contracts;

namespace NodeAgent.Archive;

/// <summary>An archive's verdict: its spec when it is sound, else a refusal code and why.</summary>
internal sealed record ArchiveOutcome(InstanceSpec? Spec, string? Refusal, string? Error)
{
    public const string BadChecksum = "bad_checksum";
    public const string BadArchive = "bad_archive";

    public static ArchiveOutcome Sound(InstanceSpec spec) => new(spec, null, null);

    public static ArchiveOutcome Refused(string refusal, string error) => new(null, refusal, error);
}
