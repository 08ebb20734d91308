using UnionBlock.Store;

namespace ImageTree.Tree;

public sealed partial class ImageTreeService
{
    /// <summary>
    /// The layer a name means: an exact layer name (<c>base@3</c>, a leaf's name), or a lineage
    /// alone (<c>base</c>) for its latest edition.
    /// </summary>
    public LayerRecord Resolve(string name) =>
        TryResolve(name) ?? throw new StoreException(StoreErrorKind.NotFound,
            $"no layer or lineage named '{name}'. 'ubd image list' shows the editions, 'ubd leaf list' the leaves.");

    /// <inheritdoc cref="Resolve"/>
    /// <returns>Null when nothing has that name.</returns>
    public LayerRecord? TryResolve(string name) =>
        Layers.Find(name) ?? (name.Contains('@', StringComparison.Ordinal) ? null : LatestEdition(name));

    public LayerRecord? LatestEdition(string lineage) => Layers.LatestEdition(lineage);

    public IReadOnlyList<LineageInfo> Lineages() =>
        [.. Layers.Layers.Where(l => l.Lineage is not null)
            .GroupBy(l => l.Lineage!)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                string[] editions = [.. g.OrderBy(l => l.Edition).Select(l => l.Name)];
                return new LineageInfo(g.Key, editions, editions[^1]);
            })];

    /// <summary>
    /// The name the next edition of <paramref name="lineage"/> gets, published over <paramref name="over"/>
    /// (null for a full image, which carries a whole disk). Numbers are never given twice, and "latest"
    /// only moves forward: an edition of an existing lineage must sit on its latest edition (rule 1 of the
    /// tree rules in docs/invariants.md), or it would silently drop what that edition changed.
    /// </summary>
    private NewLayer NextEdition(string lineage, LayerRecord? over)
    {
        if (LineageProblem(lineage) is { } problem)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, problem);
        }
        if (Layers.Find(lineage) is { } taken)
        {
            throw new StoreException(StoreErrorKind.AlreadyExists, $"'{lineage}' is already the name of a {taken.Kind.ToString().ToLowerInvariant()}; choose another lineage name");
        }
        if (over is not null && LatestEdition(lineage) is { } latest && latest.Id != over.Id)
        {
            throw new StoreException(StoreErrorKind.OutOfLine,
                $"the new edition would sit on '{over.Name}', but the latest edition of '{lineage}' is '{latest.Name}': '{lineage}' would lose what {latest.Name} changed. "
                + $"Move the layer onto {latest.Name} first (ubd leaf refresh), or publish into a new lineage");
        }
        int next = Layers.HighestEdition(lineage) + 1;
        return new NewLayer($"{lineage}@{next}", lineage, next);
    }

    /// <summary>Lineage names are layer names without '@' (the '@' separates the edition number).</summary>
    public static string? LineageProblem(string? lineage) =>
        LayerName.Problem(lineage) ?? (lineage!.Contains('@', StringComparison.Ordinal)
            ? $"'{lineage}' contains '@': a lineage is named without an edition; editions are numbered for you (base@1, base@2, …)"
            : null);

    public LayerInfo Describe(LayerRecord layer)
    {
        IReadOnlyList<LayerRecord> children = Layers.Children(layer);
        return new LayerInfo(
            layer.Name,
            layer.Kind.ToString().ToLowerInvariant(),
            layer.ParentId is { } parent ? Layers.Get(parent)?.Name : null,
            layer.Lineage,
            layer.Edition,
            layer.Size,
            layer.CreatedUtc,
            layer.Labels,
            layer.Protected,
            layer.Pinned,
            layer.QuotaBytes,
            layer.SoftQuotaBytes,
            layer.NextBootParentId is { } next ? Layers.Get(next)?.Name : null,
            [.. children.Select(c => c.Name)],
            AttachmentsOf(layer));
    }

    /// <summary>Layers, optionally of one kind and carrying a label (<c>key</c> or <c>key=value</c>).</summary>
    public IReadOnlyList<LayerInfo> List(LayerKind? kind = null, string? label = null) =>
        [.. Layers.Layers
            .Where(l => kind is null || l.Kind == kind)
            .Where(l => label is null || HasLabel(l, label))
            .OrderBy(l => l.Kind).ThenBy(l => l.Lineage ?? l.Name, StringComparer.Ordinal).ThenBy(l => l.Edition).ThenBy(l => l.Name, StringComparer.Ordinal)
            .Select(Describe)];

    private static bool HasLabel(LayerRecord layer, string label)
    {
        int equals = label.IndexOf('=', StringComparison.Ordinal);
        return equals < 0
            ? layer.Labels.ContainsKey(label)
            : layer.Labels.TryGetValue(label[..equals], out string? value) && value == label[(equals + 1)..];
    }
}
