using System.Globalization;

namespace NodeAgent.State;

/// <summary>
/// Fencing: the highest epoch accepted per instance, persisted before the command it came with
/// acts. A command with a lower epoch is refused; equal or higher is accepted and remembered.
/// </summary>
internal sealed class EpochStore(AgentPaths paths)
{
    private readonly Lock _lock = new();

    /// <summary>The highest accepted epoch, or null when none was ever accepted.</summary>
    public long? Highest(string instanceId)
    {
        lock (_lock)
        {
            var text = Read(instanceId);
            return text is not null && long.TryParse(text, CultureInfo.InvariantCulture, out var epoch) ? epoch : null;
        }
    }

    /// <summary>Accepts <paramref name="epoch"/> unless an older one than the highest: then it returns false and changes nothing.</summary>
    public bool TryAccept(string instanceId, long epoch)
    {
        lock (_lock)
        {
            var text = Read(instanceId);
            if (text is not null && long.TryParse(text, CultureInfo.InvariantCulture, out var highest))
            {
                if (epoch < highest)
                {
                    return false;
                }

                if (epoch == highest)
                {
                    return true;
                }
            }

            AgentPaths.WriteAtomically(PathOf(instanceId), epoch.ToString(CultureInfo.InvariantCulture));
            return true;
        }
    }

    private string? Read(string instanceId)
    {
        try
        {
            return File.ReadAllText(PathOf(instanceId)).Trim();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string PathOf(string instanceId) => Path.Combine(paths.Epochs, AgentPaths.Safe(instanceId));
}
