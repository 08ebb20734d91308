namespace DeployDirector.Releases;

/// <summary>A template of a job: <paramref name="Source"/> under <c>jobs/JOB/templates/</c>, rendered to
/// <paramref name="Destination"/> relative to the job's folder (files under <c>bin/</c> are executable).</summary>
public sealed record JobTemplate(string Source, string Destination, string Text);
