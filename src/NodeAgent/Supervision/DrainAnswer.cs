using System.Globalization;

namespace NodeAgent.Supervision;

/// <summary>
/// BOSH's drain contract: bin/drain prints an integer. n &gt;= 0: wait n seconds, then stop.
/// n &lt; 0: wait |n| seconds and ask bin/drain again (dynamic drain).
/// </summary>
internal readonly record struct DrainAnswer(TimeSpan Wait, bool AskAgain)
{
    /// <summary>The last integer line of the script's output (scripts may log before answering).</summary>
    public static bool TryParse(string output, out DrainAnswer answer)
    {
        answer = default;
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !int.TryParse(lines[^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        answer = seconds >= 0
            ? new DrainAnswer(TimeSpan.FromSeconds(seconds), AskAgain: false)
            : new DrainAnswer(TimeSpan.FromSeconds(-(long)seconds), AskAgain: true);
        return true;
    }
}
