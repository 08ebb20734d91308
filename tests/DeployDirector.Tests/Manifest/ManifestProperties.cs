using DeployDirector.Manifest;
using FsCheck;
using FsCheck.Fluent;

namespace DeployDirector.Tests.Manifest;

/// <summary>Random manifests survive emit → load unchanged; random or broken text never throws.</summary>
public sealed class ManifestProperties
{
    [Fact]
    public void Random_valid_manifests_round_trip_through_yaml()
    {
        Prop.ForAll(Arb.From(ManifestGen.Manifest), pair =>
        {
            (DeploymentManifest expected, bool withUpdate) = pair;
            string yaml = ManifestEmitter.Emit(expected, withUpdate);
            ManifestResult result = ManifestLoader.Load(yaml, "random.yml");
            Assert.True(result.Ok, string.Join("\n", result.Errors) + "\n" + yaml);
            Assert.Equal(ManifestText.Of(expected, positions: false), ManifestText.Of(result.Manifest!, positions: false));
        }).QuickCheckThrowOnFailure();
    }

    private const string YamlChars = "ab: -?[]{},&*!|>'\"%@#\n\t ((x))~01.";

    private static Gen<string> Garbage =>
        Gen.OneOf(
            Gen.ListOf(Gen.Elements(YamlChars.ToCharArray())).Select(cs => new string([.. cs])),
            from cut in Gen.Choose(0, SampleManifest.Yaml.Length)
            select SampleManifest.Yaml[..cut],
            from at in Gen.Choose(0, SampleManifest.Yaml.Length - 1)
            from c in Gen.Elements(YamlChars.ToCharArray())
            select SampleManifest.Yaml[..at] + c + SampleManifest.Yaml[(at + 1)..],
            from m in ManifestGen.Manifest
            from cut in Gen.Choose(0, 2000)
            let yaml = ManifestEmitter.Emit(m.Manifest, m.WithUpdate)
            select yaml[..Math.Min(cut, yaml.Length)]);

    [Fact]
    public void Garbage_and_truncated_yaml_never_throws()
    {
        Prop.ForAll(Arb.From(Garbage), yaml =>
        {
            ManifestResult result = ManifestLoader.Load(yaml, "garbage.yml", SampleManifest.Variables, new TestCatalog());
            Assert.Equal(result.Ok, result.Manifest is not null);
            Assert.Equal(result.Ok, result.Errors.Count == 0);
            Assert.All(result.Errors, e => Assert.True(e.File == "garbage.yml" && e.Line >= 1 && e.Column >= 1 && e.Message.Length > 0, e.ToString()));
        }).QuickCheckThrowOnFailure();
    }
}
