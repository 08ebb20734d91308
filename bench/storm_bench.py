#!/usr/bin/env python3
"""Boot storm without VMs. First a real boot (QEMU, the stem cell's kernel and initramfs) is served
by nbdkit with its log filter, which records every read the boot made (offset, length). Then that
trace is replayed by 1, 16, 64 and 256 concurrent NBD clients (bench `storm` mode: each client a
node with its own export name, reads in trace order, one at a time) against UnionBlock (a leaf per
client over the root), nbdkit + cow filter, qemu-nbd (qcow2 overlay) and nbd-server (copyonwrite),
one after another in the same run. Page cache is dropped before each replay; "read from disk" is the
server process's read_bytes (/proc/PID/io). Writes a markdown table to stdout."""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UBD = os.path.join(ROOT, "ubd")
CLIENTS = [1, 16, 64, 256]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def record_trace(stemcell, work):
    port = free_port()
    log = os.path.join(work, "nbdkit-log.txt")
    kit = subprocess.Popen(["nbdkit", "-f", "-i", "127.0.0.1", "-p", str(port), "--filter=log", "--filter=cow",
                            "file", os.path.join(stemcell, "root.img"), f"logfile={log}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    console = os.path.join(work, "trace-console.log")
    vm = subprocess.Popen(["qemu-system-x86_64", "-m", "256", "-display", "none", "-no-reboot", "-serial", f"file:{console}",
                           "-kernel", os.path.join(stemcell, "vmlinuz"), "-initrd", os.path.join(stemcell, "initrd.img"),
                           "-append", f"console=ttyS0 quiet nbdroot=10.0.2.2:{port}/trace", "-nic", "user,model=e1000"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.time() + 300
    while time.time() < end and not (os.path.exists(console) and "reached init" in open(console, errors="replace").read()):
        time.sleep(0.2)
    vm.terminate(); vm.wait()
    kit.terminate(); kit.wait()
    reads = [(int(m.group(1), 16), int(m.group(2), 16))
             for m in re.finditer(r"connection=\d+ Read id=\d+ offset=(0x[0-9a-f]+) count=(0x[0-9a-f]+)", open(log).read())]
    if not reads:
        raise RuntimeError(f"the boot made no reads; console in {console}")
    trace = os.path.join(work, "boot-reads.trace")
    with open(trace, "w") as f:
        f.writelines(f"{o} {n}\n" for o, n in reads)
    return trace, reads


def read_bytes(pid):
    for line in open(f"/proc/{pid}/io"):
        if line.startswith("read_bytes:"):
            return int(line.split()[1])
    return 0


def drop_caches():
    subprocess.run(["sync"])
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def start_server(kind, stemcell, work):
    root = os.path.join(stemcell, "root.img")
    port = free_port()
    if kind == "UnionBlock":
        data = os.path.join(work, "data")
        subprocess.run([UBD, "image", "import", root, "--name", "stemcell", "--data", data], check=True, stdout=subprocess.DEVNULL)
        proc = subprocess.Popen([UBD, "serve", "--data", data, "--nbd-listen", f"127.0.0.1:{port}", "--http-listen", "none",
                                 "--auto-leaf", "stemcell", "--log-level", "Warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        same = False
    elif kind == "nbdkit + cow":
        proc = subprocess.Popen(["nbdkit", "-f", "-i", "127.0.0.1", "-p", str(port), "--filter=cow", "file", root],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        same = True
    elif kind == "qemu-nbd + qcow2":
        overlay = os.path.join(work, "overlay.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", root, "-F", "raw", overlay], check=True)
        proc = subprocess.Popen(["qemu-nbd", "-t", "-f", "qcow2", "-b", "127.0.0.1", "-p", str(port), "-x", "node",
                                 "--shared=300", "--cache=writeback", "--aio=threads", overlay],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        same = True
    else:
        conf = os.path.join(work, "nbd-server.conf")
        with open(conf, "w") as f:
            f.write(f"[generic]\n user = root\n group = root\n listenaddr = 127.0.0.1\n port = {port}\n"
                    f"[node]\n exportname = {root}\n copyonwrite = true\n")
        pidfile = os.path.join(work, "nbd-server.pid")
        subprocess.run(["nbd-server", "-C", conf, "-p", pidfile], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port)
        return int(open(pidfile).read().strip()), None, port, True
    wait_port(port)
    return proc.pid, proc, port, same


def replay(tool, trace, port, clients, same):
    args = ["dotnet", tool, "storm", "--trace", trace, "--port", str(port), "--clients", str(clients),
            "--export-prefix", "node" if same else "storm-"]
    if same:
        args.append("--same-export")
    out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=900).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    tool = sys.argv[1]
    stemcell = subprocess.run([os.path.join(ROOT, "images", "build-stemcell.sh")], check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
    work = tempfile.mkdtemp(prefix="storm-")
    try:
        trace, reads = record_trace(stemcell, work)
        total = sum(n for _, n in reads)
        print(f"Trace: {len(reads)} reads, {total / 1048576:.2f} MiB, recorded from a real boot of the stem cell.\n")
        print("| server | clients | seconds to finish | p50 ms | p99 ms | bytes served | read from disk (server process) |")
        print("|---|---|---|---|---|---|---|")
        results = {}
        for kind in ["UnionBlock", "nbdkit + cow", "qemu-nbd + qcow2", "nbd-server (copyonwrite)"]:
            for clients in CLIENTS:
                run = os.path.join(work, f"{kind.split()[0]}-{clients}")
                os.makedirs(run)
                pid, proc, port, same = start_server(kind, stemcell, run)
                try:
                    replay(tool, trace, port, 1, same)  # warm the server's own code, not the data
                    cold = drop_caches()
                    before = read_bytes(pid)
                    r = replay(tool, trace, port, clients, same)
                    disk = read_bytes(pid) - before
                finally:
                    if proc is not None:
                        proc.send_signal(signal.SIGTERM)
                        proc.wait()
                    else:
                        os.kill(pid, signal.SIGTERM)
                        time.sleep(0.5)
                results[(kind, clients)] = r
                disk_text = f"{disk / 1048576:.2f} MiB" if kind != "nbd-server (copyonwrite)" else "n/a (a process per client)"
                print(f"| {kind} | {clients} | {r['seconds']:.2f} | {r['p50Ms']:.2f} | {r['p99Ms']:.2f} | "
                      f"{r['bytesServed'] / 1048576:.1f} MiB | {disk_text}{'' if cold else ' (cache not dropped)'} |", flush=True)
        print("\n| clients | UnionBlock seconds ÷ best peer (below 1 is faster) | best peer |")
        print("|---|---|---|")
        for clients in CLIENTS:
            peers = {k: results[(k, clients)]["seconds"] for k in ["nbdkit + cow", "qemu-nbd + qcow2", "nbd-server (copyonwrite)"]}
            best = min(peers, key=peers.get)
            print(f"| {clients} | {results[('UnionBlock', clients)]['seconds'] / peers[best]:.2f} | {best} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
