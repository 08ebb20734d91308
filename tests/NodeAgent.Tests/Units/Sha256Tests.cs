using FsCheck;
using FsCheck.Fluent;
using NodeAgent.Archive;

namespace NodeAgent.Tests.Units;

/// <summary>The agent's own SHA-256 against the platform's, over random data fed in random pieces.</summary>
public sealed class Sha256Tests
{
    [Fact]
    public void Matches_the_platform_hash_whatever_the_pieces() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ArbMap.Default.ArbFor<int[]>(), (data, cuts) =>
        {
            var sha = new Sha256();
            var rest = data.AsSpan();
            foreach (var cut in cuts)
            {
                var take = Math.Min(rest.Length, Math.Abs(cut % 150));
                sha.Append(rest[..take]);
                rest = rest[take..];
            }

            sha.Append(rest);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), sha.Finish());
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Matches_at_every_length_around_the_block_boundaries()
    {
        var data = Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray();
        for (var length = 0; length <= data.Length; length++)
        {
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(data.AsSpan(0, length)), Sha256.Hash(data.AsSpan(0, length)));
        }
    }
}
