namespace NbdServer.Connection;

/// <summary>
/// The connections in transmission, by export name, so the host can end every connection of one
/// export at once (a fence). A connection enters here before it asks the export gate a last time;
/// so a close that runs after the gate starts refusing either finds the connection here or the
/// connection's own check sees the refusal: none slips between the two.
/// </summary>
public sealed class NbdConnectionRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<Entry>> _byExport = new(StringComparer.Ordinal);

    /// <summary>Records a connection serving <paramref name="export"/>; <paramref name="close"/>
    /// ends it with a reason. Disposing the result removes the record.</summary>
    public IDisposable Enter(string export, Action<string> close)
    {
        var entry = new Entry(this, export, close);
        lock (_lock)
        {
            if (!_byExport.TryGetValue(export, out HashSet<Entry>? entries))
            {
                entries = [];
                _byExport[export] = entries;
            }
            entries.Add(entry);
        }
        return entry;
    }

    /// <summary>Ends every connection serving <paramref name="export"/>; returns how many.</summary>
    public int Close(string export, string reason)
    {
        Entry[] closing;
        lock (_lock)
        {
            if (!_byExport.Remove(export, out HashSet<Entry>? entries))
            {
                return 0;
            }
            closing = [.. entries];
        }
        // Outside the lock: a close shuts a socket down, and the connection leaving takes the lock.
        foreach (Entry entry in closing)
        {
            entry.Close(reason);
        }
        return closing.Length;
    }

    /// <summary>How many connections serve <paramref name="export"/> now.</summary>
    public int Count(string export)
    {
        lock (_lock)
        {
            return _byExport.TryGetValue(export, out HashSet<Entry>? entries) ? entries.Count : 0;
        }
    }

    private void Remove(Entry entry)
    {
        lock (_lock)
        {
            if (_byExport.TryGetValue(entry.Export, out HashSet<Entry>? entries) && entries.Remove(entry) && entries.Count == 0)
            {
                _byExport.Remove(entry.Export);
            }
        }
    }

    private sealed class Entry(NbdConnectionRegistry owner, string export, Action<string> close) : IDisposable
    {
        public string Export { get; } = export;

        public void Close(string reason) => close(reason);

        public void Dispose() => owner.Remove(this);
    }
}
