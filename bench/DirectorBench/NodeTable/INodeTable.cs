namespace DirectorBench.NodeTable;

/// <summary>A live node table under test: the narrow surface the bench drives, so no store's types
/// leave its own file.</summary>
internal interface INodeTable : IDisposable
{
    string Name { get; }

    void Update(int node, NodeBeat beat);

    NodeBeat? Read(int node);

    /// <summary>Work the store does beside the updates (FASTER's periodic checkpoint); called once a second.</summary>
    void Tick();

    /// <summary>Closes the store and opens it again from its directory; false when nothing survives a
    /// restart (the in-memory table: the next round of heartbeats refills it).</summary>
    bool Reopen();
}
