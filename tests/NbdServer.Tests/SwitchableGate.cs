using System.Collections.Concurrent;
using NbdServer.Exports;

namespace NbdServer.Tests;

/// <summary>A gate the test turns: refused exports and their reasons, plus a count of questions.</summary>
public sealed class SwitchableGate : INbdExportGate
{
    private readonly ConcurrentDictionary<string, string> _refused = new(StringComparer.Ordinal);
    private int _questions;

    /// <summary>Runs before each answer; a test uses it to refuse from the nth question on.</summary>
    public Action<int>? BeforeAnswer { get; set; }

    public int Questions => Volatile.Read(ref _questions);

    public void Refuse(string export, string reason) => _refused[export] = reason;

    public void Allow(string export) => _refused.TryRemove(export, out _);

    public string? Refusal(string exportName)
    {
        BeforeAnswer?.Invoke(Interlocked.Increment(ref _questions));
        return _refused.TryGetValue(exportName, out string? reason) ? reason : null;
    }
}
