using ImageTree.Operations;

namespace Ubd.Api;

/// <summary>Import an image file on the server as the next edition of a lineage (a delta when
/// <see cref="DeltaOver"/> names the layer it patches; a delta that changes nothing only with <see cref="AllowEmpty"/>).</summary>
public sealed record ImportRequest(string Lineage, string Path, ImageFormat Format = ImageFormat.Auto, string? DeltaOver = null, bool AllowEmpty = false);

/// <summary>Create a service group's branch: the first edition of <see cref="Lineage"/> over <see cref="Parent"/>.</summary>
public sealed record BranchRequest(string Lineage, string Parent);

/// <summary>Register a node's leaf over a frozen layer, optionally with quotas in bytes.</summary>
public sealed record LeafRequest(string Name, string Parent, long QuotaBytes = 0, long SoftQuotaBytes = 0);

/// <summary>Seal a leaf into the next edition of <see cref="Into"/> (a leaf that wrote nothing only with <see cref="AllowEmpty"/>).</summary>
public sealed record FreezeRequest(string Into, bool AllowEmpty = false, bool DryRun = false);

/// <summary>Clone a leaf into a new one named <see cref="Name"/>.</summary>
public sealed record CloneRequest(string Name);

/// <summary>Rename a leaf to <see cref="To"/>.</summary>
public sealed record RenameRequest(string To);

/// <summary>Fold a leaf into the next edition of its parent's lineage.</summary>
public sealed record ReconcileRequest(bool AllowEmpty = false, bool DryRun = false);

/// <summary>Move a layer onto another edition (default: the latest of its parent's lineage): forward
/// only, unless <see cref="AllowDowngrade"/> or <see cref="OtherLineage"/>; <see cref="Kind"/> (leaf or
/// branch) refuses a layer of the other kind; <see cref="DryRun"/> reports and moves nothing.</summary>
public sealed record RefreshRequest(string? To = null, bool AtNextBoot = false, bool AllowDowngrade = false, bool OtherLineage = false, UnionBlock.Store.LayerKind? Kind = null, bool DryRun = false)
{
    public ImageTree.Tree.RefreshOptions ToOptions() => new() { AllowDowngrade = AllowDowngrade, OtherLineage = OtherLineage, Kind = Kind, DryRun = DryRun };
}

/// <summary>Make a layer stand alone; a leaf gets a new root named <see cref="NewBase"/>.</summary>
public sealed record FlattenRequest(string? NewBase = null, bool DryRun = false);

/// <summary>Write a layer's disk to a file on the server.</summary>
public sealed record ExportRequest(string Path, ImageFormat Format = ImageFormat.Auto);

/// <summary>Write the layer as a stream file at <see cref="Output"/>, whole or with the changes since <see cref="Since"/>.</summary>
public sealed record SendRequest(string Output, string? Since = null);

/// <summary>Publish the edition in the stream file at <see cref="Path"/> into <see cref="Lineage"/> (default: the sender's), over <see cref="Over"/> for an incremental stream.</summary>
public sealed record ReceiveRequest(string Path, string? Lineage = null, string? Over = null);

/// <summary>Hoist blocks at least <see cref="Percent"/>% of <see cref="Parent"/>'s leaves share into a new edition.</summary>
public sealed record HoistRequest(string Parent, int Percent = 50, bool AllowEmpty = false, bool DryRun = false);

/// <summary>A token and the role it got (the token is shown once).</summary>
public sealed record TokenCreated(string Name, string Role, string Token);

/// <summary>Create an API token.</summary>
public sealed record TokenRequest(string Name, ImageTree.Tree.TokenRole Role);

/// <summary>Boot settings of a node or a group; null keeps a setting, "" clears it.</summary>
public sealed record NodeSettingsRequest(string? Edition = null, string? KernelArgs = null);

/// <summary>Fence a node: its leaf refuses it until it is unfenced. <see cref="Reason"/> is shown to
/// the node's NBD client and in events.</summary>
public sealed record FenceRequest(string? Reason = null)
{
    public const string DefaultReason = "operator's request";
}
