using System.CommandLine;

namespace Ubd.Cli;

/// <summary>Options shared by many commands, defined once so they read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<DirectoryInfo> Data() => new("--data")
    {
        Description = "Data directory holding the layers (created if missing)",
        Required = true,
        HelpName = "DIR",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print machine-readable JSON instead of text",
    };

    public static Option<string> Name(string description) => new("--name")
    {
        Description = description,
        Required = true,
        HelpName = "NAME",
    };

    public static Option<string> Parent(string description) => new("--parent")
    {
        Description = description,
        Required = true,
        HelpName = "LAYER",
    };
}
