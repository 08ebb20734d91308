using BenchmarkDotNet.Running;
using UnionBlock.Benchmarks;

// `ladder` measures the in-process rungs of the ceiling ladder for bench/compare.sh;
// anything else goes to BenchmarkDotNet (e.g. --filter '*' --job short).
if (args.Length > 0 && args[0] == "ladder")
{
    return Ladder.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "storm")
{
    return BootStorm.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "tree")
{
    return TreeBenchmarks.Run(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(Ladder).Assembly).Run(args);
return 0;
