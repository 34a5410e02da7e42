"""Runs one command and prints its wall time and the CPU seconds of each of its threads.

Usage: thread_cpu.py CMD ...   (e.g. node bin/adl.js run sweep.yaml --workers 2 --no-report)
Samples /proc/<pid>/task/*/stat every 0.1 s and keeps each thread's last user + system time, so a
thread that ends is counted up to its last 0.1 s. The main thread is the process's own id; node's
worker threads and its helper threads (V8's GC and compiler, libuv's pool) are listed by size.
Where a busy machine makes wall times meaningless, this still says who did the work.
"""
import os
import subprocess
import sys
import time

started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ticks = os.sysconf("SC_CLK_TCK")
last = {}
while child.poll() is None:
    try:
        for tid in os.listdir(f"/proc/{child.pid}/task"):
            try:
                stat = open(f"/proc/{child.pid}/task/{tid}/stat").read()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            last[tid] = (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        pass
    time.sleep(0.1)
wall = time.perf_counter() - started
main = last.pop(str(child.pid), 0.0)
others = sorted(last.values(), reverse=True)
print(f"wall {wall:.2f} s, exit {child.returncode}; CPU {main + sum(others):.2f} s: main thread {main:.2f}, others " + ", ".join(f"{c:.2f}" for c in others if c >= 0.05))
