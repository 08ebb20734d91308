using NbdServer.Exports;

namespace NbdServer.Connection;

internal enum OptionOutcomeKind
{
    Continue,
    Close,
    Transmit,
}

/// <summary>What negotiation does after an option: go on, end, or enter transmission with an export.</summary>
internal readonly record struct OptionOutcome(OptionOutcomeKind Kind, NbdExport? Export = null)
{
    public static OptionOutcome Continue => new(OptionOutcomeKind.Continue);

    public static OptionOutcome Close => new(OptionOutcomeKind.Close);
}
