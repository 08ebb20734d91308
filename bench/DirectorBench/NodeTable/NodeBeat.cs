using System.Runtime.InteropServices;

namespace DirectorBench.NodeTable;

/// <summary>The heartbeat fields the live node table keeps per node: last seen (Stopwatch ticks), the
/// beat's sequence, and the CPU load. Blittable, so FASTER stores it without a serializer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct NodeBeat(long LastSeen, long Sequence, double CpuLoad);
