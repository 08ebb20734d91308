#!/usr/bin/env python3
"""Boot benchmark: seconds from power-on to the stem cell's init for N = 1, 2, 4 nodes at once,
served by UnionBlock (PXE through the boot service, and direct kernel boot) and by nbdkit with the
cow filter (direct kernel boot, one nbdkit per node so each has its own overlay), all in one run,
with the same kernel, initramfs and root image. Writes a markdown table to stdout."""
import os, re, shutil, signal, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UBD = os.path.join(ROOT, "ubd")
MARKER = "UNIONBLOCK: reached init"
TIMEOUT = 300


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_line(path, text, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path) and text in open(path, errors="replace").read():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{text!r} not seen in {path}")


def boot(nodes, console_dir, qemu_args_for):
    """Starts the VMs at once; returns (seconds to init as seen by the host, guest uptime at init)."""
    procs, starts = [], []
    for i in range(nodes):
        console = os.path.join(console_dir, f"node{i}.log")
        args = ["qemu-system-x86_64", "-m", "256", "-display", "none", "-no-reboot",
                "-serial", f"file:{console}"] + qemu_args_for(i)
        starts.append(time.time())
        procs.append((subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), console))
    results = [None] * nodes
    try:
        deadline = time.time() + TIMEOUT
        while time.time() < deadline and any(r is None for r in results):
            for i, (_, console) in enumerate(procs):
                if results[i] is None and os.path.exists(console):
                    m = re.search(MARKER + r".*uptime=([0-9.]+)", open(console, errors="replace").read())
                    if m:
                        results[i] = (time.time() - starts[i], float(m.group(1)))
            time.sleep(0.1)
    finally:
        for p, _ in procs:
            p.terminate()
        for p, _ in procs:
            p.wait()
    if any(r is None for r in results):
        raise RuntimeError(f"not every node reached init; consoles in {console_dir}")
    return results


def ubd_server(work, stemcell, with_boot):
    data = os.path.join(work, "data")
    subprocess.run([UBD, "image", "import", os.path.join(stemcell, "root.img"), "--name", "stemcell", "--data", data],
                   check=True, stdout=subprocess.DEVNULL)
    nbd, http = free_port(), free_port()
    log = open(os.path.join(work, "serve.log"), "w")
    args = [UBD, "serve", "--data", data, "--nbd-listen", f"127.0.0.1:{nbd}", "--http-listen", f"127.0.0.1:{http}",
            "--auto-leaf", "stemcell", "--log-level", "Warning"]
    if with_boot:
        args += ["--boot-files", stemcell, "--boot-edition", "stemcell"]
    proc = subprocess.Popen(args, stdout=log, stderr=log)
    wait_line(os.path.join(work, "serve.log"), "serving NBD")
    return proc, nbd, http


def direct(stemcell, host_port, export):
    return ["-kernel", os.path.join(stemcell, "vmlinuz"), "-initrd", os.path.join(stemcell, "initrd.img"),
            "-append", f"console=ttyS0 quiet nbdroot=10.0.2.2:{host_port}/{export}",
            "-nic", "user,model=e1000"]


def run(kind, nodes, stemcell):
    work = tempfile.mkdtemp(prefix=f"bootbench-{kind}-{nodes}-")
    servers = []
    try:
        if kind == "ubd-pxe":
            proc, nbd, http = ubd_server(work, stemcell, True)
            servers.append(proc)
            qemu = lambda i: ["-boot", "n", "-nic", f"user,model=e1000,mac=52:54:00:0d:{nodes:02x}:{i:02x},bootfile=http://10.0.2.2:{http}/boot/ipxe"]
        elif kind == "ubd":
            proc, nbd, _ = ubd_server(work, stemcell, False)
            servers.append(proc)
            qemu = lambda i: direct(stemcell, nbd, f"bench-{i}")
        else:  # nbdkit + cow: one server (and overlay) per node
            ports = []
            for i in range(nodes):
                port = free_port()
                ports.append(port)
                servers.append(subprocess.Popen(["nbdkit", "--foreground", "--exit-with-parent", "-p", str(port), "-i", "127.0.0.1",
                                                 "--filter=cow", "file", os.path.join(stemcell, "root.img")],
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(1)
            qemu = lambda i: direct(stemcell, ports[i], "")
        return boot(nodes, work, qemu)
    finally:
        for s in servers:
            s.send_signal(signal.SIGTERM)
            s.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    stemcell = subprocess.run([os.path.join(ROOT, "images", "build-stemcell.sh")], check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
    kinds = [("ubd-pxe", "UnionBlock, PXE (iPXE → boot service → NBD)"),
             ("ubd", "UnionBlock, direct kernel boot"),
             ("nbdkit-cow", "nbdkit + cow filter, direct kernel boot")]
    rows = {}
    for nodes in (1, 2, 4):
        for kind, _ in kinds:
            results = run(kind, nodes, stemcell)
            rows[(kind, nodes)] = results
            print(f"{kind} N={nodes}: " + ", ".join(f"{h:.1f}s" for h, _ in results), file=sys.stderr)
    print("| server | N | seconds to init, per node (host clock) | mean | guest uptime at init, mean |")
    print("|---|---|---|---|---|")
    for kind, label in kinds:
        for nodes in (1, 2, 4):
            r = rows[(kind, nodes)]
            host = [h for h, _ in r]
            guest = [g for _, g in r]
            print(f"| {label} | {nodes} | {', '.join(f'{h:.1f}' for h in host)} | {sum(host)/len(host):.1f} | {sum(guest)/len(guest):.1f} |")
    print()
    print("| N | UnionBlock direct ÷ nbdkit + cow (mean seconds to init; below 1 is faster) |")
    print("|---|---|")
    for nodes in (1, 2, 4):
        ours = sum(h for h, _ in rows[("ubd", nodes)]) / nodes
        peer = sum(h for h, _ in rows[("nbdkit-cow", nodes)]) / nodes
        print(f"| {nodes} | {ours / peer:.2f} |")


if __name__ == "__main__":
    main()
