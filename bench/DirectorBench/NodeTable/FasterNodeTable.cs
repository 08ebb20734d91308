using FASTER.core;

namespace DirectorBench.NodeTable;

/// <summary>
/// FASTER's FasterKV keyed by node index, records updated in place in the mutable region of its
/// hybrid log; <see cref="Tick"/> takes a full checkpoint (index and log, snapshot: the log stays
/// mutable) once a second, and <see cref="Reopen"/> recovers from the newest one.
/// </summary>
internal sealed class FasterNodeTable : INodeTable
{
    private readonly string _directory;
    private IDevice _log = null!;
    private FasterKV<long, NodeBeat> _store = null!;
    private ClientSession<long, NodeBeat, NodeBeat, NodeBeat, Empty, SimpleFunctions<long, NodeBeat>> _session = null!;
    private Task _checkpoint = Task.CompletedTask;

    public FasterNodeTable(string directory)
    {
        _directory = directory;
        Open();
    }

    public string Name => "FASTER FasterKV (full snapshot checkpoint every second)";

    public int Checkpoints { get; private set; }

    private void Open()
    {
        _log = Devices.CreateLogDevice(Path.Combine(_directory, "hlog.log"), preallocateFile: false);
        _store = new FasterKV<long, NodeBeat>(1L << 14,
            new LogSettings { LogDevice = _log, PageSizeBits = 20, MemorySizeBits = 24 },
            new CheckpointSettings { CheckpointDir = Path.Combine(_directory, "checkpoints"), RemoveOutdated = true });
        _session = _store.For(new SimpleFunctions<long, NodeBeat>()).NewSession<SimpleFunctions<long, NodeBeat>>();
    }

    public void Update(int node, NodeBeat beat)
    {
        long key = node;
        _session.Upsert(ref key, ref beat);
    }

    public NodeBeat? Read(int node)
    {
        long key = node;
        NodeBeat output = default;
        Status status = _session.Read(ref key, ref output);
        if (status.IsPending)
        {
            _session.CompletePendingWithOutputs(out CompletedOutputIterator<long, NodeBeat, NodeBeat, NodeBeat, Empty> outputs, wait: true);
            using (outputs)
            {
                if (!outputs.Next())
                {
                    return null;
                }
                status = outputs.Current.Status;
                output = outputs.Current.Output;
            }
        }
        return status.Found ? output : null;
    }

    public void Tick()
    {
        // One at a time: a checkpoint still running when the next second comes is not doubled.
        if (_checkpoint.IsCompleted)
        {
            _checkpoint = _store.TakeFullCheckpointAsync(CheckpointType.Snapshot).AsTask();
            Checkpoints++;
        }
        _session.Refresh();
    }

    public bool Reopen()
    {
        // Wait for the newest checkpoint to be on disk, then close as a killed process would (no final checkpoint).
        while (!_checkpoint.IsCompleted)
        {
            _session.Refresh();
            Thread.Sleep(1);
        }
        Close();
        Open();
        _store.Recover();
        _session.Dispose();
        _session = _store.For(new SimpleFunctions<long, NodeBeat>()).NewSession<SimpleFunctions<long, NodeBeat>>();
        return true;
    }

    private void Close()
    {
        _session.Dispose();
        _store.Dispose();
        _log.Dispose();
    }

    public void Dispose() => Close();
}
