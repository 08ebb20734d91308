using System.Text;
using System.Text.Json;
using ImageTree.Metadata;

namespace DeployDirector.Releases;

/// <summary>
/// Uploaded releases: archives and their package files in the blob store, one record per
/// name+version in the key-value store (<c>release/NAME/VERSION</c>). A version, once uploaded, never
/// changes: the same bytes again are a no-op, different bytes are a conflict. The store and the
/// blob store belong to the caller.
/// </summary>
public sealed class ReleaseCatalog(IKeyValueStore store, BlobStore blobs)
{
    private const string Prefix = "release/";
    private readonly Lock _gate = new();

    /// <summary>Stores and validates an archive, its package files, then its record.</summary>
    /// <exception cref="ReleaseInvalidException">The archive is not a valid release.</exception>
    /// <exception cref="ReleaseConflictException">The name and version exist with other bytes.</exception>
    public ReleaseRecord Upload(Stream archive)
    {
        lock (_gate)
        {
            string sha = blobs.Put(archive, out bool added);
            ReleaseArchive release;
            try
            {
                using Stream stored = blobs.Open(sha);
                release = ReleaseArchive.Read(stored);
            }
            catch (ReleaseInvalidException)
            {
                if (added)
                {
                    blobs.Delete(sha);
                }
                throw;
            }
            ReleaseManifest manifest = release.Manifest;
            if (Find(manifest.Name, manifest.Version) is { } existing)
            {
                if (existing.Sha256 == sha)
                {
                    return existing;
                }
                if (added)
                {
                    blobs.Delete(sha);
                }
                throw new ReleaseConflictException(manifest.Name, manifest.Version, existing.Sha256, sha);
            }
            StorePackageFiles(sha);
            var record = new ReleaseRecord(manifest.Name, manifest.Version, sha, blobs.Size(sha) ?? 0, release.Jobs, manifest.Packages);
            byte[] value = JsonSerializer.SerializeToUtf8Bytes(new StoredRelease(StoredRelease.CurrentFormat, record), StoredRelease.Json);
            store.Write(new KeyValueBatch().Put(Key(manifest.Name, manifest.Version), value));
            return record;
        }
    }

    /// <summary>Every release, by name, then version oldest first.</summary>
    public IReadOnlyList<ReleaseRecord> List() =>
        [.. Load(Prefix).OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Version, VersionOrder.Instance)];

    /// <summary>The uploaded versions of <paramref name="name"/>, oldest first (<see cref="VersionOrder"/>).</summary>
    public IReadOnlyList<string> Versions(string name) =>
        [.. Load($"{Prefix}{name}/").Select(r => r.Version).Order(VersionOrder.Instance)];

    public ReleaseRecord? Find(string name, string version)
    {
        if (!ReleaseNames.IsName(name) || !ReleaseNames.IsVersion(version))
        {
            return null;
        }
        return store.Get(Key(name, version)) is { } value ? Decode(value) : null;
    }

    public JobSpec? Job(string name, string version, string job) =>
        Find(name, version)?.Jobs.FirstOrDefault(j => j.Name == job);

    /// <summary>Removes the record, then the blobs no other release uses.</summary>
    /// <returns>False when there was no such release.</returns>
    public bool Delete(string name, string version)
    {
        lock (_gate)
        {
            if (Find(name, version) is not { } record)
            {
                return false;
            }
            store.Write(new KeyValueBatch().Delete(Key(name, version)));
            HashSet<string> used = [.. List().SelectMany(BlobsOf)];
            foreach (string sha in BlobsOf(record).Where(s => !used.Contains(s)))
            {
                blobs.Delete(sha);
            }
            return true;
        }
    }

    /// <summary>Package files become blobs of their own, so rendering an instance reads only the
    /// files it needs instead of unpacking the whole release.</summary>
    private void StorePackageFiles(string archiveSha)
    {
        using Stream stored = blobs.Open(archiveSha);
        ReleaseTar.ForEachFile(stored, (path, content) =>
        {
            if (path.StartsWith("packages/", StringComparison.Ordinal))
            {
                blobs.Put(content);
            }
        });
    }

    private static IEnumerable<string> BlobsOf(ReleaseRecord record) =>
        record.Packages.SelectMany(p => p.Files).Select(f => f.Sha256).Append(record.Sha256);

    private List<ReleaseRecord> Load(string prefix) =>
        [.. store.Scan(Encoding.UTF8.GetBytes(prefix)).Select(e => Decode(e.Value))];

    private static ReleaseRecord Decode(byte[] value)
    {
        StoredRelease stored = JsonSerializer.Deserialize<StoredRelease>(value, StoredRelease.Json)
            ?? throw new InvalidDataException("empty release record");
        return stored.Format == StoredRelease.CurrentFormat
            ? stored.Release
            : throw new InvalidDataException($"release record format {stored.Format} is not known (expected {StoredRelease.CurrentFormat})");
    }

    private static byte[] Key(string name, string version) => Encoding.UTF8.GetBytes($"{Prefix}{name}/{version}");
}
