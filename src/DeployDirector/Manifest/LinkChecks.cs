namespace DeployDirector.Manifest;

/// <summary>
/// Links across the deployment: every required <c>consumes.from</c> names a published link. A job
/// publishes each link it provides under its <c>as</c> name, or the link's own name; with a catalog,
/// also the links its spec provides that the manifest does not mention.
/// </summary>
internal static class LinkChecks
{
    /// <summary>A published link: its name and the job publishing it (<c>group/job</c>).</summary>
    public sealed record Published(string Name, string Link, string Provider);

    public static List<Published> PublishedLinks(ManifestDraft draft, Func<JobSite, JobSpecInfo?> spec)
    {
        List<Published> published = [];
        foreach (JobSite site in draft.Jobs)
        {
            string provider = $"{site.Group}/{site.Job.Name}";
            foreach ((string link, string name) in site.Job.Provides)
            {
                published.Add(new Published(name, link, provider));
            }
            foreach (string link in spec(site)?.Provides ?? [])
            {
                if (!site.Job.Provides.ContainsKey(link))
                {
                    published.Add(new Published(link, link, provider));
                }
            }
        }
        foreach ((string provider, IReadOnlyDictionary<string, string> provides) in draft.OtherProviders)
        {
            published.AddRange(provides.Select(p => new Published(p.Value, p.Key, provider)));
        }
        return published;
    }

    public static void Check(ManifestDraft draft, IReadOnlyList<Published> published, ManifestContext context)
    {
        HashSet<string> names = new(published.Select(p => p.Name), StringComparer.Ordinal);
        foreach (JobSite site in draft.Jobs)
        {
            foreach ((string link, LinkSource source) in site.Job.Consumes)
            {
                if (source.Optional || names.Contains(source.From))
                {
                    continue;
                }
                string known = names.Count == 0
                    ? "no job publishes any link"
                    : $"published links are {string.Join(", ", names.Order(StringComparer.Ordinal))}";
                string hint = KeySuggestion.Closest(source.From, names) is { } near ? $"did you mean '{near}'? " : "";
                context.Error(site.FromPositions[link], $"consumes '{link}' from '{source.From}', which no job in the deployment publishes ({known}): {hint}publish it with provides: {{ <link>: {{ as: {source.From} }} }}, or mark the link optional: true");
            }
        }
    }
}
