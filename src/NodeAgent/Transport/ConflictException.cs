namespace NodeAgent.Transport;

/// <summary>The director answered 409: it does not know this registration (it restarted, or the lease ran out); register again.</summary>
internal sealed class ConflictException(string route) : Exception($"the director asks to register again ({route})");
