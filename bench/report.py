#!/usr/bin/python3
"""Turns the measurements of compare.sh into bench/results/side-by-side.md.
usage: report.py OUT SIZE_MB RUNTIME RESULTS_FILE COMMANDS_FILE
RESULTS_FILE has lines "workload peer iops bytes_per_second"."""
import datetime
import platform
import subprocess
import sys

out, size_mb, runtime, results_file, commands_file = sys.argv[1:6]
result = {}
for line in open(results_file):
    parts = line.split()
    if len(parts) == 4:
        result[(parts[0], parts[1])] = (float(parts[2]), float(parts[3]))


def sh(command):
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout.strip()


def get(key, peer):
    return result.get((key, peer))


def fmt(value, index):
    if value is None:
        return "-"
    return f"{value[index]:,.0f}" if index == 0 else f"{value[index] / 1e6:,.0f}"


peers = ["ubd", "nbdkit-cow", "qemu-nbd", "nbd-server"]
rows = [("randread-4k-qd32-1job", 0, "IOPS"), ("randread-4k-qd32-4jobs", 0, "IOPS"), ("seqread-1m-qd8", 1, "MB/s"),
        ("nbdcopy", 1, "MB/s"), ("randwrite-4k-qd32-flush32", 0, "IOPS")]
cpu = sh("lscpu | grep 'Model name' | sed 's/.*: *//'")
memory_gib = sh("free -g | awk '/Mem:/{print $2}'")
lines = [
    f"# UnionBlock side by side ({datetime.date.today()})", "",
    f"Machine: {cpu}, {sh('nproc')} cores, {memory_gib} GiB, {platform.system()} {platform.release()}. "
    "fio (or nbdcopy) and the server share the two cores.", "",
    f"Image: {size_mb} MiB of random data. UnionBlock serves root + branch (15% of blocks) + leaf (another 15%); "
    "nbdkit (cow filter) and qemu-nbd (qcow2 overlay) got the same two 15% write sets through NBD first; "
    "nbd-server's copyonwrite diff lives only as long as a connection, so it serves the root with an empty diff.",
    f"Each fio run: {runtime} s after a 2 s ramp, nbd engine, one connection per job.", "",
    "| workload | unit | UnionBlock | nbdkit + cow | qemu-nbd + qcow2 | nbd-server cow | best peer | UnionBlock / best peer |",
    "|---|---|---|---|---|---|---|---|"]
for key, index, unit in rows:
    values = {p: get(key, p) for p in peers}
    others = [(values[p][index], p) for p in peers[1:] if values[p]]
    best = max(others) if others else None
    ours = values["ubd"]
    ratio = f"{ours[index] / best[0]:.2f}x" if best and ours and best[0] > 0 else "-"
    lines.append(f"| {key} | {unit} | {fmt(ours, index)} | {fmt(values['nbdkit-cow'], index)} | "
                 f"{fmt(values['qemu-nbd'], index)} | {fmt(values['nbd-server'], index)} | {best[1] if best else '-'} | {ratio} |")
lines += ["", "Servers that store nothing or keep everything in memory, for scale (same fio jobs):", "",
          "| workload | unit | nbdkit memory | nbdkit null | UnionBlock / null |", "|---|---|---|---|---|"]
for key, index, unit in rows:
    memory, null, ours = get(key, "nbdkit-memory"), get(key, "nbdkit-null"), get(key, "ubd")
    if memory is None and null is None:
        continue
    ratio = f"{ours[index] / null[index]:.2f}x" if ours and null and null[index] > 0 else "-"
    lines.append(f"| {key} | {unit} | {fmt(memory, index)} | {fmt(null, index)} | {ratio} |")
lines += ["", "Ceiling ladder, 4 KiB random reads, 4 threads or jobs (each rung should be at or below the next):", "",
          "| rung | IOPS |", "|---|---|",
          f"| fio over NBD on loopback (UnionBlock, 4 jobs, QD32) | {fmt(get('randread-4k-qd32-4jobs', 'ubd'), 0)} |",
          f"| union device in process (root + branch + leaf) | {fmt(get('ladder', 'union'), 0)} |",
          f"| raw file in process (pread) | {fmt(get('ladder', 'rawfile'), 0)} |",
          f"| fio on the raw file (psync) | {fmt(get('ladder', 'raw-fio'), 0)} |",
          "",
          "The two in-process rungs measure the same positional reads and differ by run-to-run noise. "
          "fio's own per-I/O cost caps its raw-file rung near what it reaches over NBD, so on this "
          "machine the last rung does not stack: the gap that matters is NBD (client, loopback, "
          "server) against the device in process.",
          "",
          "Durability behind each server's flush: UnionBlock fdatasyncs the leaf log (group commit), and leaves "
          "persist across restarts; qemu-nbd fsyncs the qcow2 overlay (persistent); nbdkit's cow overlay is a "
          "temporary file discarded at exit, and nbd-server's copyonwrite diff is discarded at disconnect, so "
          "neither keeps any write.", "",
          "Versions:", "", "```", sh("(nbdkit --version; qemu-nbd --version | head -1; nbd-server -V 2>&1 | head -1; "
                                     "fio --version; dotnet --version) 2>&1"), "```", "",
          "Exact commands, in order:", "", "```", open(commands_file).read().strip(), "```"]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines[:24]))
