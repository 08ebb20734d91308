namespace NbdServer.Exports;

/// <summary>
/// Whether an export may be served right now, asked at every option that names one (INFO, GO,
/// EXPORT_NAME, metadata contexts). The protocol layer knows nothing of why: the host decides
/// (a fenced node's leaf, for one) and the client hears NBD_REP_ERR_POLICY with the message.
/// </summary>
public interface INbdExportGate
{
    /// <summary>Null when <paramref name="exportName"/> may be used; otherwise the reason, sent to the client.</summary>
    string? Refusal(string exportName);
}
