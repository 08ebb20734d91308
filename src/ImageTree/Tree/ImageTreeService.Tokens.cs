using System.Security.Cryptography;
using System.Text.Json;
using ImageTree.Metadata;
using UnionBlock.Store;

namespace ImageTree.Tree;

/// <summary>What an API token may do: read, or also change the tree.</summary>
public enum TokenRole
{
    ReadOnly,
    Operator,
}

/// <summary>A stored token: only its SHA-256 is kept, never the token.</summary>
public sealed record TokenInfo(string Name, TokenRole Role, DateTimeOffset Created);

public sealed partial class ImageTreeService
{
    private const string TokenPrefix = "token/";

    /// <summary>Creates a token and returns it; this is the only time it is shown.</summary>
    public string CreateToken(string name, TokenRole role)
    {
        if (LayerName.Problem(name) is { } problem)
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, $"token name: {problem}");
        }
        if (Tokens().Any(t => t.Name == name))
        {
            throw new StoreException(StoreErrorKind.AlreadyExists, $"a token named '{name}' exists; revoke it first or choose another name");
        }
        string token = "ubd_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var info = new TokenInfo(name, role, DateTimeOffset.UtcNow);
        _metadata.Write(new KeyValueBatch().Put(Key(TokenPrefix + Hash(token)), JsonSerializer.SerializeToUtf8Bytes(info, MetadataJson.Options)));
        return token;
    }

    /// <summary>The token's identity, or null when it is not one of ours.</summary>
    public TokenInfo? Authenticate(string token) =>
        _metadata.Get(Key(TokenPrefix + Hash(token))) is { } value ? JsonSerializer.Deserialize<TokenInfo>(value, MetadataJson.Options) : null;

    public IReadOnlyList<TokenInfo> Tokens() =>
        [.. _metadata.Scan(Key(TokenPrefix)).Select(e => JsonSerializer.Deserialize<TokenInfo>(e.Value, MetadataJson.Options)!).OrderBy(t => t.Name, StringComparer.Ordinal)];

    public void RevokeToken(string name)
    {
        KeyValuePair<byte[], byte[]> entry = _metadata.Scan(Key(TokenPrefix))
            .FirstOrDefault(e => JsonSerializer.Deserialize<TokenInfo>(e.Value, MetadataJson.Options)!.Name == name);
        if (entry.Key is null)
        {
            throw new StoreException(StoreErrorKind.NotFound, $"no token named '{name}'");
        }
        _metadata.Write(new KeyValueBatch().Delete(entry.Key));
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
}
