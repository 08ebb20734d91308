namespace NodeAgent.Actions;

/// <summary>The refusal codes of <see cref="DeployDirector.Contracts.CommandResult"/>.</summary>
internal static class Refusals
{
    public const string StaleEpoch = "stale_epoch";
    public const string BadChecksum = "bad_checksum";
    public const string BadArchive = "bad_archive";
    public const string UnknownInstance = "unknown_instance";
    public const string UnknownCommand = "unknown_command";
    public const string Failed = "failed";
    public const string Timeout = "timeout";
    public const string Busy = "busy";
}
