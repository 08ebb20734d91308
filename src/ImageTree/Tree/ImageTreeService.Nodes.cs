using System.Text.Json;
using System.Text.RegularExpressions;
using ImageTree.Metadata;
using UnionBlock.Store;

namespace ImageTree.Tree;

/// <summary>A node known by its MAC address, bound to its leaf, with its own boot settings.</summary>
/// <param name="Io">I/O of the node's disk before this server process started (added at each clean stop).</param>
public sealed record NodeRecord(string Mac, string Leaf, DateTimeOffset FirstSeen, DateTimeOffset? LastBoot, int Boots, string? Edition, string? KernelArgs)
{
    public UnionBlock.Union.IoCounters Io { get; init; }

    /// <summary>At its next boot the node gets a fresh, empty leaf (its writes are discarded) over the edition it boots.</summary>
    public bool ResetLeafAtNextBoot { get; init; }
}

/// <summary>Boot settings for every node of a group (the lineage its leaf sits on).</summary>
public sealed record BootGroupSettings(string Group, string? Edition, string? KernelArgs);

/// <summary>A node as operators see it: where it boots from and what its disk did.</summary>
public sealed record NodeInfo(
    string Mac,
    string Leaf,
    string? Group,
    string? Edition,
    int Boots,
    DateTimeOffset FirstSeen,
    DateTimeOffset? LastBoot,
    bool Attached,
    long BytesRead,
    long BytesReadFromShared,
    long BytesWritten,
    string? EditionSetting,
    string? KernelArgs)
{
    /// <summary>The node's fence when it is fenced (its leaf refuses it), else null.</summary>
    public NodeFence? Fence { get; init; }

    /// <summary>Its next boot gives it a fresh, empty leaf.</summary>
    public bool ResetLeafAtNextBoot { get; init; }
}

/// <summary>What a booting node gets: its leaf (the NBD export) and its kernel arguments.</summary>
public sealed record BootPlan(string Mac, string Leaf, bool Registered, int Boot, string KernelArgs, string? MovedTo);

public sealed partial class ImageTreeService
{
    private const string NodePrefix = "node/";
    private const string GroupPrefix = "bootgroup/";

    [GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")]
    private static partial Regex MacPattern();

    /// <summary>The canonical form of a MAC address (lower case, colons); accepts '-' or no separators.</summary>
    public static string NormalizeMac(string mac)
    {
        if (IsCanonicalMac(mac))
        {
            return mac; // the common case, asked per node per round: no strings made
        }
        string hex = mac.Replace(":", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        string canonical = hex.Length == 12 ? string.Join(':', Enumerable.Range(0, 6).Select(i => hex.Substring(i * 2, 2))) : hex;
        return MacPattern().IsMatch(canonical)
            ? canonical
            : throw new StoreException(StoreErrorKind.InvalidArgument, $"'{mac}' is not a MAC address (six hex bytes, e.g. 52:54:00:12:34:56)");
    }

    private static bool IsCanonicalMac(string mac)
    {
        if (mac.Length != 17)
        {
            return false;
        }
        for (int i = 0; i < mac.Length; i++)
        {
            char c = mac[i];
            bool ok = i % 3 == 2 ? c == ':' : char.IsAsciiDigit(c) || c is >= 'a' and <= 'f';
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A node is booting (its iPXE script was asked for). An unknown MAC registers: its leaf is created
    /// over <paramref name="defaultEdition"/> at once. A boot is a fresh start, so the node's old
    /// attachment is forgotten, and a move waiting for this boot (a refresh, or the node's or group's
    /// edition setting) is made now, before the node reads a block.
    /// </summary>
    public BootPlan BootNode(string mac, string defaultEdition)
    {
        mac = NormalizeMac(mac);
        EndEarlierBoot(mac);
        NodeRecord node;
        bool registered = false;
        string? movedTo = null;
        lock (_policy)
        {
            node = FindNode(mac) ?? Register(mac, defaultEdition, out registered);
            LayerRecord leaf = Layers.Find(node.Leaf) ?? Layers.CreateLeaf(node.Leaf, Resolve(defaultEdition).Name);
            RemoveAttachments([leaf.Id]);
            if (node.ResetLeafAtNextBoot && !Layers.IsOpen(leaf))
            {
                movedTo = ResetForBoot(node, leaf);
                node = node with { ResetLeafAtNextBoot = false };
            }
            else
            {
                movedTo = MoveForBoot(node, leaf);
            }
            node = node with { Boots = node.Boots + 1, LastBoot = DateTimeOffset.UtcNow };
            SaveNode(node);
        }
        Publish(registered ? "node.registered" : "node.booted", node.Leaf, $"{mac} boot {node.Boots}" + (movedTo is null ? "" : $", moved onto {movedTo}"));
        return new BootPlan(mac, node.Leaf, registered, node.Boots, KernelArgsFor(node), movedTo);
    }

    /// <summary>Registers a node before its first boot (an infrastructure provider is creating it): its
    /// leaf is created over <paramref name="edition"/> at once, so it boots straight onto it.</summary>
    public NodeInfo RegisterNode(string mac, string edition)
    {
        mac = NormalizeMac(mac);
        if (!Resolve(edition).IsFrozen)
        {
            throw new StoreException(StoreErrorKind.WrongKind, $"'{edition}' is a leaf; a node boots an edition (a root or branch)");
        }
        NodeRecord node;
        lock (_policy)
        {
            if (FindNode(mac) is not null)
            {
                throw new StoreException(StoreErrorKind.AlreadyExists, $"node {mac} is registered already");
            }
            node = Register(mac, edition, out _);
            SaveNode(node);
        }
        Publish("node.registered", node.Leaf, $"{mac} prepared over {edition}");
        return Describe(node);
    }

    /// <summary>
    /// Forgets a node whose machine is gone for good (its infrastructure provider deleted it): its
    /// record and its fence go; its leaf goes too when <paramref name="deleteLeaf"/>, else it stays as
    /// a disk nothing boots (an operator may inspect, export or delete it). Returns the leaf's name.
    /// </summary>
    /// <exception cref="StoreException">NotFound for an unknown node; Protected for a protected leaf.</exception>
    public string ForgetNode(string mac, bool deleteLeaf)
    {
        mac = NormalizeMac(mac);
        NodeRecord node = FindNode(mac) ?? throw new StoreException(StoreErrorKind.NotFound, $"no node with MAC {mac}; 'ubd node list' shows the known ones");
        Unfence(mac);
        lock (_policy)
        {
            if (deleteLeaf && Layers.Find(node.Leaf) is { } leaf)
            {
                if (leaf.Protected)
                {
                    throw new StoreException(StoreErrorKind.Protected, $"'{leaf.Name}' is protected; unprotect it first (ubd layer set {leaf.Name} --protect false)");
                }
                _deletion.Delete([leaf]);
                RemoveAttachments([leaf.Id]);
            }
            _metadata.Write(new KeyValueBatch().Delete(Key(NodePrefix + mac)));
        }
        Publish("node.forgotten", node.Leaf, deleteLeaf ? $"{mac} forgotten with its leaf" : $"{mac} forgotten; its leaf {node.Leaf} is kept");
        return node.Leaf;
    }

    public IReadOnlyList<NodeInfo> Nodes() =>
        [.. _metadata.Scan(Key(NodePrefix)).Select(e => Describe(JsonSerializer.Deserialize<NodeRecord>(e.Value, MetadataJson.Options)!)).OrderBy(n => n.Leaf, StringComparer.Ordinal)];

    /// <summary>The edition a node's leaf sits on now (what it runs), or null for an unknown node; cheaper than <see cref="Node"/>.</summary>
    public string? EditionOf(string mac) =>
        FindNode(NormalizeMac(mac)) is { } node && Layers.Find(node.Leaf) is { ParentId: { } parent } ? Layers.Get(parent)?.Name : null;

    public NodeInfo Node(string mac) =>
        Describe(FindNode(NormalizeMac(mac)) ?? throw new StoreException(StoreErrorKind.NotFound, $"no node with MAC {mac}; 'ubd node list' shows the known ones"));

    /// <summary>Sets a node's own edition (applied at its next boot) and kernel arguments; null leaves a
    /// setting as it is, an empty string clears it.</summary>
    public NodeInfo SetNode(string mac, string? edition, string? kernelArgs)
    {
        NodeRecord node = FindNode(NormalizeMac(mac)) ?? throw new StoreException(StoreErrorKind.NotFound, $"no node with MAC {mac}");
        if (!string.IsNullOrEmpty(edition) && !Resolve(edition).IsFrozen)
        {
            throw new StoreException(StoreErrorKind.WrongKind, $"'{edition}' is a leaf; a node boots an edition (a root or branch)");
        }
        node = node with
        {
            Edition = edition is null ? node.Edition : edition.Length == 0 ? null : edition,
            KernelArgs = kernelArgs is null ? node.KernelArgs : kernelArgs.Length == 0 ? null : CheckKernelArgs(kernelArgs),
        };
        SaveNode(node);
        Publish("node.updated", node.Leaf, $"edition {node.Edition ?? "(group's)"}, kernel args '{node.KernelArgs}'");
        return Describe(node);
    }

    public BootGroupSettings SetBootGroup(string group, string? edition, string? kernelArgs)
    {
        if (LineageProblem(group) is { } problem)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, $"group: {problem}");
        }
        if (!string.IsNullOrEmpty(edition) && !Resolve(edition).IsFrozen)
        {
            throw new StoreException(StoreErrorKind.WrongKind, $"'{edition}' is a leaf; a group boots an edition");
        }
        var settings = new BootGroupSettings(group, string.IsNullOrEmpty(edition) ? null : edition, string.IsNullOrEmpty(kernelArgs) ? null : CheckKernelArgs(kernelArgs));
        _metadata.Write(new KeyValueBatch().Put(Key(GroupPrefix + group), JsonSerializer.SerializeToUtf8Bytes(settings, MetadataJson.Options)));
        Publish("bootgroup.updated", group, $"edition {settings.Edition ?? "-"}, kernel args '{settings.KernelArgs}'");
        return settings;
    }

    public IReadOnlyList<BootGroupSettings> BootGroups() =>
        [.. _metadata.Scan(Key(GroupPrefix)).Select(e => JsonSerializer.Deserialize<BootGroupSettings>(e.Value, MetadataJson.Options)!)];

    private NodeRecord Register(string mac, string defaultEdition, out bool registered)
    {
        string leaf = "node-" + mac.Replace(":", "", StringComparison.Ordinal);
        if (Layers.Find(leaf) is null)
        {
            CreateLeaf(leaf, defaultEdition);
        }
        registered = true;
        return new NodeRecord(mac, leaf, DateTimeOffset.UtcNow, null, 0, null, null);
    }

    /// <summary>How long a boot waits for the connections of the node's previous boot to end before it moves its leaf.</summary>
    public static readonly TimeSpan EarlierBootGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Raised (with the leaf's name) when a node boots while its previous boot still holds its leaf open
    /// and this boot must move or reset that leaf: the host ends those connections. A node rebooted with
    /// <c>reboot -f</c> (or reset) never closes its TCP connection, and an emulated network may keep it
    /// open for minutes; a leaf that stays open cannot move, so the node would boot its old edition again.
    /// </summary>
    public event Action<string>? EarlierBootHoldsLeaf;

    /// <summary>Before a boot that moves or resets the leaf: ends the previous boot's connections, waiting
    /// (no lock held) up to <see cref="EarlierBootGrace"/> for the leaf to close. Only then: a boot request
    /// is not authenticated, so it may cut only a node the tree is moving anyway.</summary>
    private void EndEarlierBoot(string mac)
    {
        if (FindNode(mac) is not { } node || Layers.Find(node.Leaf) is not { } leaf || !Layers.IsOpen(leaf) || !MovesAtBoot(node, leaf))
        {
            return;
        }
        EarlierBootHoldsLeaf?.Invoke(leaf.Name);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Layers.IsOpen(leaf) && waited.Elapsed < EarlierBootGrace)
        {
            Thread.Sleep(50);
        }
    }

    /// <summary>This boot would move the leaf onto another edition or replace it by an empty one.</summary>
    private bool MovesAtBoot(NodeRecord node, LayerRecord leaf)
    {
        if (node.ResetLeafAtNextBoot || leaf.NextBootParentId is not null)
        {
            return true;
        }
        LayerRecord parent = Layers.Get(leaf.ParentId!.Value)!;
        string? wanted = node.Edition ?? (GroupOf(parent) is { } group ? BootGroup(group)?.Edition : null);
        return wanted is not null && TryResolve(wanted) is { } target && target.Id != parent.Id;
    }

    /// <summary>
    /// Marks a node's leaf to be replaced by an empty one at the node's next boot (a stateless node moving to
    /// a new edition: nothing it wrote comes along). The old leaf stays as it is until that boot, so a node
    /// that never reboots loses nothing.
    /// </summary>
    public NodeInfo ResetLeafAtNextBoot(string mac)
    {
        NodeRecord node = FindNode(NormalizeMac(mac)) ?? throw new StoreException(StoreErrorKind.NotFound, $"no node with MAC {mac}; 'ubd node list' shows the known ones");
        if (Layers.Find(node.Leaf) is { Protected: true } leaf)
        {
            throw new StoreException(StoreErrorKind.Protected, $"'{leaf.Name}' is protected, so its writes cannot be discarded; unprotect it first (ubd layer set {leaf.Name} --protect false)");
        }
        lock (_policy)
        {
            node = (FindNode(node.Mac) ?? node) with { ResetLeafAtNextBoot = true };
            SaveNode(node);
        }
        Publish("node.updated", node.Leaf, "a fresh, empty leaf at the next boot");
        return Describe(node);
    }

    /// <summary>Replaces the leaf by an empty one (same name and quotas) over the edition this boot should see.</summary>
    private string ResetForBoot(NodeRecord node, LayerRecord leaf)
    {
        LayerRecord parent = Layers.Get(leaf.ParentId!.Value)!;
        string? wanted = node.Edition ?? (GroupOf(parent) is { } group ? BootGroup(group)?.Edition : null);
        LayerRecord target = leaf.NextBootParentId is { } pending ? Layers.Get(pending)! : wanted is not null ? Resolve(wanted) : parent;
        _deletion.Delete([leaf]);
        RemoveAttachments([leaf.Id]);
        Layers.CreateLeaf(leaf.Name, target.Name, leaf.QuotaBytes, leaf.SoftQuotaBytes);
        return target.Name;
    }

    /// <summary>Moves the leaf onto the edition this boot should see, if it differs; returns its name.</summary>
    private string? MoveForBoot(NodeRecord node, LayerRecord leaf)
    {
        LayerRecord parent = Layers.Get(leaf.ParentId!.Value)!;
        string? wanted = node.Edition ?? (GroupOf(parent) is { } group ? BootGroup(group)?.Edition : null);
        LayerRecord? target = leaf.NextBootParentId is { } pending ? Layers.Get(pending)
            : wanted is not null ? Resolve(wanted) : null;
        if (target is null || target.Id == parent.Id || Layers.IsOpen(leaf))
        {
            return null;
        }
        _branches.ReparentLeaf(leaf.Name, target.Name);
        return target.Name;
    }

    private NodeInfo Describe(NodeRecord node)
    {
        LayerRecord? leaf = Layers.Find(node.Leaf);
        LayerRecord? parent = leaf?.ParentId is { } id ? Layers.Get(id) : null;
        UnionBlock.Union.IoCounters io = node.Io + (leaf is null ? default : Layers.Counters(leaf));
        return new NodeInfo(node.Mac, node.Leaf, parent is null ? null : GroupOf(parent), parent?.Name, node.Boots, node.FirstSeen, node.LastBoot,
            leaf is not null && IsAttached(leaf), io.Read, io.Read - io.ReadFromLeaf, io.Written, node.Edition, KernelArgsFor(node))
        {
            Fence = FenceOf(node.Mac),
            ResetLeafAtNextBoot = node.ResetLeafAtNextBoot,
        };
    }

    private string KernelArgsFor(NodeRecord node)
    {
        LayerRecord? leaf = Layers.Find(node.Leaf);
        string? group = leaf?.ParentId is { } id && Layers.Get(id) is { } parent ? GroupOf(parent) : null;
        return string.Join(' ', new[] { group is null ? null : BootGroup(group)?.KernelArgs, node.KernelArgs }.Where(a => !string.IsNullOrEmpty(a)));
    }

    private static string? GroupOf(LayerRecord frozen) => frozen.Lineage;

    /// <summary>Adds what each node's disk did since the store opened to its stored totals (at a
    /// clean stop; a crash loses the counts since the last one, never data).</summary>
    private void SaveNodeCounters()
    {
        foreach (KeyValuePair<byte[], byte[]> entry in _metadata.Scan(Key(NodePrefix)))
        {
            NodeRecord node = JsonSerializer.Deserialize<NodeRecord>(entry.Value, MetadataJson.Options)!;
            if (Layers.Find(node.Leaf) is { } leaf && Layers.Counters(leaf) is { } since && since != default)
            {
                SaveNode(node with { Io = node.Io + since });
            }
        }
    }

    private BootGroupSettings? BootGroup(string group) =>
        _metadata.Get(Key(GroupPrefix + group)) is { } value ? JsonSerializer.Deserialize<BootGroupSettings>(value, MetadataJson.Options) : null;

    private NodeRecord? FindNode(string mac) =>
        _metadata.Get(Key(NodePrefix + mac)) is { } value ? JsonSerializer.Deserialize<NodeRecord>(value, MetadataJson.Options) : null;

    private void SaveNode(NodeRecord node) =>
        _metadata.Write(new KeyValueBatch().Put(Key(NodePrefix + node.Mac), JsonSerializer.SerializeToUtf8Bytes(node, MetadataJson.Options)));

    /// <summary>Kernel arguments go into an iPXE script: keep them to plain printable text.</summary>
    private static string CheckKernelArgs(string args) =>
        args.Length <= 1024 && args.All(c => c >= ' ' && c < 127 && c is not ('\\' or '$' or '`'))
            ? args.Trim()
            : throw new StoreException(StoreErrorKind.InvalidArgument, "kernel arguments are at most 1024 printable ASCII characters, without '\\', '$' or '`'");
}
