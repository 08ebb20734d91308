namespace DirectorBench;

/// <summary>One deploy run, in seconds. Task times are the director's own (its task record's start and
/// end); wall times also hold the synchronous part of <c>Deploy</c> (parsing, rendering, the plan's inputs).</summary>
internal sealed record DeployResult(
    int Instances,
    double DeployTaskSeconds,
    double DeployWallSeconds,
    double UntilPlanSeconds,
    double UntilFirstBatchSeconds,
    int Batches,
    double MedianBatchSeconds,
    int Commands,
    double NoopTaskSeconds,
    double NoopWallSeconds,
    int NoopCommands,
    double PlanSeconds,
    double LoadAverage);
