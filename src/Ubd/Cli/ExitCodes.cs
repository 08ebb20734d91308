namespace Ubd.Cli;

/// <summary>Exit codes scripts can rely on.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The operation was refused or failed; the message says why.</summary>
    public const int Failed = 1;
    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;
    /// <summary>A named layer or file does not exist.</summary>
    public const int NotFound = 3;
    /// <summary>The data directory is held by another process.</summary>
    public const int InUse = 4;
    /// <summary>Stored data failed a checksum or does not match its chain.</summary>
    public const int Corrupt = 5;
    /// <summary>A manifest was rejected; every error is printed as FILE:LINE:COLUMN: what is wrong.</summary>
    public const int Invalid = 6;
}
