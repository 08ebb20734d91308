namespace NodeAgent.Supervision;

/// <summary>How a script run to completion ended: its exit code (null when it was killed at the timeout) and the tail of its output.</summary>
internal sealed record ScriptResult(int? ExitCode, string Output, bool TimedOut);
