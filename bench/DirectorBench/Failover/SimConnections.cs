namespace DirectorBench.Failover;

/// <summary>
/// The simulated fleet's connections to the director, in four pools. A real node has its own
/// connections, so its heartbeat never waits behind another node's work; one shared pool of the bench's
/// process would make it wait: in a mass failure the director sends thousands of commands, every answer
/// and archive download takes a connection, and beats queued behind them for the 10 s of their timeout,
/// so live nodes went silent and were fenced for the bench's own reason. Polls hold a connection per
/// node (each is a 30 s long poll); beats, results and downloads get pools of their own. The download
/// pool stays small on purpose: it bounds how many archives the bench's process fetches and hashes at
/// once (2,048 at a time starved its own CPU and memory during the deploy of 10,000 instances).
/// </summary>
internal sealed class SimConnections : IDisposable
{
    public const int BeatConnections = 4096;
    public const int WorkConnections = 256;
    public const int DownloadConnections = 128;

    public SimConnections(Uri director, int nodes)
    {
        Polls = Client(director, nodes + 64);
        Beats = Client(director, BeatConnections);
        Work = Client(director, WorkConnections);
        Downloads = Client(director, DownloadConnections);
    }

    /// <summary>Each node's long poll for commands.</summary>
    public HttpClient Polls { get; }

    /// <summary>Heartbeats.</summary>
    public HttpClient Beats { get; }

    /// <summary>Registrations and command results.</summary>
    public HttpClient Work { get; }

    /// <summary>Archive downloads (prepare): bulk, so they never hold up a result.</summary>
    public HttpClient Downloads { get; }

    private static HttpClient Client(Uri director, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        UseProxy = false,
    })
    {
        BaseAddress = director,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public void Dispose()
    {
        Polls.Dispose();
        Beats.Dispose();
        Work.Dispose();
        Downloads.Dispose();
    }
}
