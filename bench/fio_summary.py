#!/usr/bin/python3
"""Reads fio's JSON output on stdin; prints "IOPS BYTES_PER_SECOND" of the busier direction."""
import json
import sys

text = sys.stdin.read()
job = json.loads(text[text.index("{"):])["jobs"][0]
side = job["write"] if job["write"]["io_bytes"] > job["read"]["io_bytes"] else job["read"]
print(f"{side['iops']:.0f} {side['bw_bytes']:.0f}")
