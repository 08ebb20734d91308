namespace DeployDirector.Manifest;

/// <summary>A scalar's text after interpolation.</summary>
/// <param name="Typed">True when YAML typing applies: a plain scalar (or a plain scalar that was exactly
/// one <c>((name))</c>). Quoted scalars and text with embedded variables stay strings.</param>
internal readonly record struct ResolvedScalar(string Text, bool Typed, SourcePosition Position);
