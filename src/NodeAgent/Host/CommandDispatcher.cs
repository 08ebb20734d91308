using DeployDirector.Contracts;
using NodeAgent.Actions;
using NodeAgent.State;
using NodeAgent.Transport;

namespace NodeAgent.Host;

/// <summary>
/// Runs commands: in order per instance, instances in parallel, at most <see cref="MaxQueued"/>
/// waiting. Fencing happens here, under the instance's gate: a command older than the highest
/// accepted epoch is refused with stale_epoch and reaches no action.
/// </summary>
internal sealed class CommandDispatcher(AgentContext context, EpochStore epochs, IEnumerable<IAgentAction> actions, CancellationToken stopping)
{
    public const int MaxQueued = 64;

    private const int ResultAttempts = 12;

    private readonly Dictionary<string, IAgentAction> _actions = actions.ToDictionary(action => action.Kind, StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<AgentCommand>> _queues = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _queued;

    public void Enqueue(AgentCommand command)
    {
        var key = command.Instance?.Id ?? "";
        lock (_lock)
        {
            if (_queued >= MaxQueued)
            {
                _ = PostAsync(AgentContext.Refuse(command, Refusals.Busy, $"{MaxQueued} commands are already waiting"));
                return;
            }

            _queued++;
            if (_queues.TryGetValue(key, out var queue))
            {
                queue.Enqueue(command);
                return;
            }

            _queues[key] = new Queue<AgentCommand>([command]);
        }

        _ = Task.Run(() => WorkAsync(key), CancellationToken.None);
    }

    /// <summary>Runs one command to its result; public for the in-process tests.</summary>
    public async Task<(CommandResult Result, IAgentAction? Action)> ExecuteAsync(AgentCommand command, CancellationToken cancellation)
    {
        if (!_actions.TryGetValue(command.Kind, out var action))
        {
            return (AgentContext.Refuse(command, Refusals.UnknownCommand, $"'{command.Kind}' is not a command this agent knows"), null);
        }

        if (command.Instance is not { } instance)
        {
            return action.NeedsInstance
                ? (AgentContext.Refuse(command, Refusals.Failed, $"{command.Kind} needs an instance"), null)
                : (await RunAsync(action, command, cancellation).ConfigureAwait(false), action);
        }

        try
        {
            AgentPaths.Safe(instance.Id);
        }
        catch (ArgumentException e)
        {
            return (AgentContext.Refuse(command, Refusals.Failed, e.Message), null);
        }

        var gate = context.Instances.GateFor(instance.Id);
        await gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (!epochs.TryAccept(instance.Id, instance.Epoch))
            {
                return (AgentContext.Refuse(command, Refusals.StaleEpoch, $"epoch {instance.Epoch} is older than {epochs.Highest(instance.Id)}", context.Instances.Find(instance.Id)?.Snapshot()), null);
            }

            return (await RunAsync(action, command, cancellation).ConfigureAwait(false), action);
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<CommandResult> RunAsync(IAgentAction action, AgentCommand command, CancellationToken cancellation)
    {
        try
        {
            return await action.RunAsync(command, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return AgentContext.Refuse(command, Refusals.Failed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task WorkAsync(string key)
    {
        while (true)
        {
            AgentCommand command;
            lock (_lock)
            {
                var queue = _queues[key];
                if (queue.Count == 0)
                {
                    _queues.Remove(key);
                    return;
                }

                command = queue.Dequeue();
                _queued--;
            }

            try
            {
                var (result, action) = await ExecuteAsync(command, stopping).ConfigureAwait(false);
                context.Log.WriteLine($"ubd-agent: {command.Kind} {command.Id}: {(result.Ok ? "ok" : $"{result.Refusal}: {result.Error}")}");
                await PostAsync(result).ConfigureAwait(false);
                if (action is not null && result.Ok)
                {
                    await action.AfterResultAsync(command).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A bug in one command must not strand the commands queued behind it.
                context.Log.WriteLine($"ubd-agent: {command.Kind} {command.Id} failed after its result: {e}");
            }
        }
    }

    /// <summary>Posts a result, retrying a while; a result lost for good is recovered by the director's get_state.</summary>
    private async Task PostAsync(CommandResult result)
    {
        var backoff = new Backoff();
        for (var attempt = 1; attempt <= ResultAttempts && !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                await context.Director.PostResultAsync(result, stopping).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ConflictException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                context.Log.WriteLine($"ubd-agent: result {result.CommandId} not delivered ({e.Message})");
                try
                {
                    await Task.Delay(backoff.Next(), stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
