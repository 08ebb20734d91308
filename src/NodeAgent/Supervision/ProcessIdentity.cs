using System.Globalization;

namespace NodeAgent.Supervision;

/// <summary>A process named by pid and start time, persisted so a restarted agent adopts its jobs.</summary>
internal sealed record ProcessIdentity(int Pid, long StartTime)
{
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Pid} {StartTime}");

    public static ProcessIdentity? TryParse(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 2
            && int.TryParse(words[0], CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(words[1], CultureInfo.InvariantCulture, out var start)
            ? new ProcessIdentity(pid, start)
            : null;
    }
}
