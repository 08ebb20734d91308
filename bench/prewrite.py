#!/usr/bin/python3
"""Writes the same pseudo-random set of 4 KiB blocks to an NBD export, so every server in the
comparison holds the same fraction of its blocks in a writable layer.
usage: prewrite.py URI FRACTION SEED"""
import random
import sys

import nbd

uri, fraction, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
h = nbd.NBD()
h.connect_uri(uri)
blocks = h.get_size() // 4096
rng = random.Random(seed)
chosen = sorted(rng.sample(range(blocks), int(blocks * fraction)))
data = bytes(rng.getrandbits(8) for _ in range(4096))
i = 0
while i < len(chosen):
    # Coalesce runs of consecutive blocks into one write.
    j = i + 1
    while j < len(chosen) and chosen[j] == chosen[j - 1] + 1 and j - i < 64:
        j += 1
    buf = nbd.Buffer.from_bytearray(bytearray(data * (j - i)))
    # Returning 1 from the completion callback retires the command.
    h.aio_pwrite(buf, chosen[i] * 4096, completion=lambda err: 1)
    while h.aio_in_flight() >= 32:
        h.poll(-1)
    i = j
while h.aio_in_flight() > 0:
    h.poll(-1)
h.flush()
h.shutdown()
print(f"wrote {len(chosen)} blocks ({len(chosen) * 4096 // (1 << 20)} MiB) to {uri}")
