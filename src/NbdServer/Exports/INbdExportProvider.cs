namespace NbdServer.Exports;

/// <summary>Where the server finds the devices it serves, by export name.</summary>
public interface INbdExportProvider
{
    /// <summary>The export an empty name means; empty when there is none.</summary>
    string DefaultExportName { get; }

    /// <summary>The exports to announce to NBD_OPT_LIST.</summary>
    IReadOnlyList<NbdExportListing> List();

    /// <summary>Opens an export for one connection (or one INFO query). The caller disposes it.</summary>
    /// <returns>Null when the name is unknown or the export cannot be served; <paramref name="error"/> then says why.</returns>
    NbdExport? TryOpen(string name, ExportUse use, out string? error);
}

/// <summary>Who opens an export and why: <paramref name="Peer"/> is the client's address;
/// <paramref name="Transmission"/> is false for a query (INFO, metadata contexts) that will not
/// read or write, true when the client goes on to use the disk (GO, EXPORT_NAME).</summary>
public readonly record struct ExportUse(string Peer, bool Transmission);

/// <summary>A name and an optional human-readable description.</summary>
public sealed record NbdExportListing(string Name, string? Description);
