namespace DeployDirector.Rendering;

/// <summary>An instance on the other end of a consumed link; templates see it as
/// <c>{name: "group/index", group, index, id, address}</c>.</summary>
public sealed record LinkInstance(string Group, int Index, string Id, string Address);
