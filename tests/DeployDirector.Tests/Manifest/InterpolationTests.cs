using DeployDirector.Manifest;

namespace DeployDirector.Tests.Manifest;

public sealed class InterpolationTests
{
    private static ManifestResult Load(string yaml, params (string Name, string Value)[] variables) =>
        ManifestLoader.Load(yaml, SampleManifest.File, variables.Append(("title", "Hello")).ToDictionary(v => v.Item1, v => v.Item2));

    [Fact]
    public void A_whole_scalar_takes_the_value_typed_as_if_written_there()
    {
        DeploymentManifest m = ManifestAssert.Valid(Load(SampleManifest.With(23, "    instances: ((web_count))"), ("web_count", "3")));
        Assert.Equal(3, m.InstanceGroups[0].Instances);
    }

    [Fact]
    public void A_whole_value_of_the_wrong_type_is_reported_at_the_scalar()
    {
        ManifestAssert.Single(Load(SampleManifest.With(23, "    instances: ((web_count))"), ("web_count", "three")),
            23, 16, "'instances' must be a whole number from 0 to 1000, got 'three'");
    }

    [Fact]
    public void Properties_take_typed_values_and_quoted_references_stay_strings()
    {
        string yaml = SampleManifest.With(34, "        properties: { port: ((port)), on: ((on)), none: ((none)), quoted: \"((port))\", spaced: (( port )), dotted: ((a.b-c_d)) }");
        DeploymentManifest m = ManifestAssert.Valid(Load(yaml, ("port", "8080"), ("on", "true"), ("none", "~"), ("a.b-c_d", "x")));
        Assert.Equal("""{"port":8080,"on":true,"none":null,"quoted":"8080","spaced":8080,"dotted":"x"}""", m.InstanceGroups[0].Jobs[0].Properties.ToJsonString());
    }

    [Fact]
    public void An_embedded_reference_is_substituted_as_text()
    {
        string yaml = SampleManifest.With(34, "        properties: { url: http://((host)):((port))/x, n: 1((port)) }");
        DeploymentManifest m = ManifestAssert.Valid(Load(yaml, ("host", "db"), ("port", "5432")));
        Assert.Equal("""{"url":"http://db:5432/x","n":"15432"}""", m.InstanceGroups[0].Jobs[0].Properties.ToJsonString());
    }

    [Fact]
    public void An_embedded_reference_makes_a_string_so_a_number_field_rejects_it()
    {
        ManifestAssert.Single(Load(SampleManifest.With(23, "    instances: 1((n))"), ("n", "2")),
            23, 16, "got the string \"12\"");
    }

    [Fact]
    public void Names_and_other_fields_are_interpolated_too()
    {
        DeploymentManifest m = ManifestAssert.Valid(Load(SampleManifest.With((1, "name: ((deployment))"), (9, "    edition: ((lineage))@((n))")),
            ("deployment", "prod-1"), ("lineage", "base"), ("n", "4")));
        Assert.Equal(("prod-1", "base@4"), (m.Name, m.Stemcells[1].Edition));
    }

    [Fact]
    public void A_missing_variable_is_an_error_at_its_scalar_each_time()
    {
        ManifestResult r = Load(SampleManifest.With((1, "name: ((deployment))"), (34, "        properties: { a: ((x)), b: \"((x))-((y))\" }")));
        Assert.Null(r.Manifest);
        Assert.Equal(
            [
                "demo.yml:1:7: no value for variable 'deployment': pass it in a variables file (--vars-file) or set it through the API",
                "demo.yml:34:26: no value for variable 'x': pass it in a variables file (--vars-file) or set it through the API",
                "demo.yml:34:36: no value for variable 'x': pass it in a variables file (--vars-file) or set it through the API",
                "demo.yml:34:36: no value for variable 'y': pass it in a variables file (--vars-file) or set it through the API",
            ],
            r.Errors.Select(e => e.ToString()).ToArray());
    }

    [Fact]
    public void A_declared_password_without_a_value_is_missing_too()
    {
        ManifestAssert.Single(Load(SampleManifest.With(34, "        properties: { password: ((admin_password)) }")),
            34, 33, "no value for variable 'admin_password'");
    }

    [Fact]
    public void A_reference_with_an_invalid_name_is_reported()
    {
        ManifestAssert.Single(Load(SampleManifest.With(34, "        properties: { a: 'x ((not a name)) y' }")),
            34, 26, "'((not a name))' is not a variable reference");
    }

    [Fact]
    public void Keys_are_not_interpolated()
    {
        DeploymentManifest m = ManifestAssert.Valid(Load(SampleManifest.With(34, "        properties: { ((k)): 1 }"), ("k", "v")));
        Assert.Equal("""{"((k))":1}""", m.InstanceGroups[0].Jobs[0].Properties.ToJsonString());
    }
}
