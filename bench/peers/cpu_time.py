"""Times commands as whole processes, alternating them, and prints JSON on stdout.

Usage: cpu_time.py REPEATS -- CMD1 ... -- CMD2 ...
For each run: wall seconds (perf_counter around the child) and CPU seconds (user + system, from
getrusage(RUSAGE_CHILDREN) before and after: microseconds, where /usr/bin/time rounds to 10 ms).
CPU time is what a shared machine disturbs least: a busy core delays a process, it does not make
it do more work (it does cost cache misses, so figures still drift up a little with the load).
"""
import json
import resource
import subprocess
import sys
import time


def main() -> None:
    repeats = int(sys.argv[1])
    commands, current = [], None
    for word in sys.argv[2:]:
        if word == "--":
            current = []
            commands.append(current)
        else:
            current.append(word)
    runs = [[] for _ in commands]
    for _ in range(repeats):
        for k, command in enumerate(commands):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            status = subprocess.run(command, stdout=subprocess.DEVNULL).returncode
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            runs[k].append({"wall": wall, "cpu": cpu, "exitCode": status})
    json.dump(runs, sys.stdout)


if __name__ == "__main__":
    main()
