namespace ImageTree.Operations;

public enum ImageFormat
{
    /// <summary>Raw, or qcow2 when the file starts with the qcow2 magic.</summary>
    Auto,
    Raw,
    Qcow2,
}
