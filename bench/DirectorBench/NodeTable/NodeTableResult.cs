namespace DirectorBench.NodeTable;

/// <summary>One store's figures: paced updates at the offered rate, a back-to-back burst, and a restart.</summary>
internal sealed record NodeTableResult(
    string Name,
    double AchievedPerSecond,
    double P50Us,
    double P99Us,
    double MaxUs,
    double CpuPerSecond,
    double BurstPerSecond,
    double RecoverySeconds,
    int Recovered,
    long MaxBeatsLost,
    long DiskBytes);
