namespace DeployDirector.Contracts;

/// <summary>
/// Names an instance and the assignment it belongs to. <see cref="Epoch"/> is a fencing token: it
/// grows each time the instance is assigned (to this node or another), every command carries it, and
/// an agent refuses a command whose epoch is older than the one it holds for that instance.
/// </summary>
public sealed record InstanceRef(string Deployment, string Group, int Index, string Id, long Epoch)
{
    public override string ToString() => $"{Deployment}/{Group}/{Index} ({Id}, epoch {Epoch})";
}
