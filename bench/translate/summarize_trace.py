"""Summarises libtorch operator traces (Chrome trace JSON from `deepi2i bench-translate --profile`):
self time per operator (time in the op minus the ops it called), largest first, as a Markdown table.
Usage: summarize_trace.py TRACE.json [TRACE2.json ...] (several traces: one column each)."""
import collections
import json
import sys


def self_times(path):
    text = open(path).read().strip()
    if text.endswith(","):
        text = text[:-1]
    if not text.endswith("]"):
        text += "]"
    events = [e for e in json.loads(text) if e.get("ph") == "X"]
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[e.get("tid")].append(e)
    totals = collections.Counter()
    wall = 0.0
    for evs in by_thread.values():
        evs.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, child time]
        def close(item):
            end, name, start, child = item
            totals[name] += (end - start) - child
            if stack:
                stack[-1][3] += end - start
        for e in evs:
            ts, dur = float(e["ts"]), float(e["dur"])
            while stack and stack[-1][0] <= ts:
                close(stack.pop())
            stack.append([ts + dur, e["name"], ts, 0.0])
        while stack:
            close(stack.pop())
        if evs:
            wall = max(wall, max(float(e["ts"]) + float(e["dur"]) for e in evs) - min(float(e["ts"]) for e in evs))
    return totals, wall


def main():
    paths = sys.argv[1:]
    results = [self_times(p) for p in paths]
    names = collections.Counter()
    for totals, _ in results:
        names.update(totals)
    header = "| operator (self time) | " + " | ".join(f"{p.rsplit('/', 1)[-1]} ms (%)" for p in paths) + " |"
    print(header)
    print("|---|" + "---:|" * len(paths))
    shown = [n for n, _ in names.most_common(14)]
    for n in shown:
        cells = []
        for totals, wall in results:
            t = totals.get(n, 0.0)
            cells.append(f"{t / 1000:.1f} ({100 * t / max(wall, 1e-9):.1f}%)")
        print(f"| {n} | " + " | ".join(cells) + " |")
    cells = []
    for totals, wall in results:
        rest = sum(t for n, t in totals.items() if n not in shown)
        cells.append(f"{rest / 1000:.1f} ({100 * rest / max(wall, 1e-9):.1f}%)")
    print("| other ops | " + " | ".join(cells) + " |")
    cells = []
    for totals, wall in results:
        outside = wall - sum(totals.values())
        cells.append(f"{outside / 1000:.1f} ({100 * outside / max(wall, 1e-9):.1f}%)")
    print("| outside libtorch ops (decode, resize, encode, Swift) | " + " | ".join(cells) + " |")
    print("| **traced span** | " + " | ".join(f"**{w / 1000:.1f}**" for _, w in results) + " |")


if __name__ == "__main__":
    main()
