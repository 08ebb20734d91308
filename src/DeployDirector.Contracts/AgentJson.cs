using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeployDirector.Contracts;

/// <summary>The protocol's JSON: snake_case on the wire, source-generated (NativeAOT needs no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentRegistration))]
[JsonSerializable(typeof(RegistrationAck))]
[JsonSerializable(typeof(AgentHeartbeat))]
[JsonSerializable(typeof(HeartbeatAck))]
[JsonSerializable(typeof(AgentCommand))]
[JsonSerializable(typeof(AgentCommand[]))]
[JsonSerializable(typeof(CommandResult))]
[JsonSerializable(typeof(InstanceSpec))]
[JsonSerializable(typeof(GroupInfo))]
public sealed partial class AgentJson : JsonSerializerContext
{
    public static JsonSerializerOptions Wire => Default.Options;
}
