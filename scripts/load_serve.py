#!/usr/bin/env python3
"""Load benchmark for `deepi2i serve` (issue #14): N concurrent clients for T seconds on loopback.

Each client loops over a mix of uploads: valid PNGs (translate), and hostile ones (garbage bytes, an
oversized body, a pixel-bomb PNG, a truncated PNG). Reports requests/s, p50/p99 latency, answers by
status, and the server's resident memory sampled every 0.2 s (start, peak, end, so flatness shows).
Loopback only (127.0.0.1); standard library only. Usage (scripts/load_serve.sh wraps it):
  load_serve.py PORT SERVER_PID SAMPLE_PNG [CLIENTS] [SECONDS]
"""
import http.client
import random
import struct
import sys
import threading
import time
import zlib


def png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x10\x20\x30" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    port, pid, sample = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
    clients = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 20
    assert 1 <= clients <= 64 and 0 < seconds <= 600, "bounded: 1-64 clients, at most 600 s"
    bomb = png(6000, 5000)  # 30 MP: over the server's pixel limit, a few tens of KB on the wire
    mix = [("valid", "/api/translate?classes=bear&samples=1", sample)] * 6 + [
        ("garbage", "/api/translate?classes=bear", bytes(random.Random(1).randrange(256) for _ in range(5000))),
        ("oversize", "/api/translate?classes=bear", b"\x89PNG" + b"\0" * (9 * 1024 * 1024)),
        ("pixel-bomb", "/api/translate?classes=bear", bomb),
        ("truncated", "/api/translate?classes=bear", sample[: len(sample) // 2]),
    ]
    latencies, statuses, lock = [], {}, threading.Lock()
    deadline = time.time() + seconds
    memory = [rss_kib(pid)]
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            memory.append(rss_kib(pid))
            time.sleep(0.2)

    def client(index):
        rng = random.Random(index)
        while time.time() < deadline:
            kind, path, body = rng.choice(mix)
            start = time.time()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                conn.request("POST", path, body=body, headers={"Content-Type": "application/octet-stream"})
                status = conn.getresponse().status
                conn.close()
            except Exception as error:  # a reset connection (e.g. the oversize body refused early)
                status = type(error).__name__
            with lock:
                latencies.append(time.time() - start)
                statuses[(kind, status)] = statuses.get((kind, status), 0) + 1

    threading.Thread(target=sampler, daemon=True).start()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - began
    stop.set()
    memory.append(rss_kib(pid))
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    print(f"{clients} clients, {elapsed:.1f} s: {len(latencies)} requests, {len(latencies) / elapsed:.1f} req/s, "
          f"p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms")
    for (kind, status), n in sorted(statuses.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        print(f"  {kind:10s} {status}: {n}")
    third = max(1, len(memory) // 3)
    print(f"server RSS: start {memory[0] // 1024} MiB, peak {max(memory) // 1024} MiB, end {memory[-1] // 1024} MiB "
          f"(mean of first third {sum(memory[:third]) // third // 1024} MiB, last third {sum(memory[-third:]) // third // 1024} MiB)")


if __name__ == "__main__":
    main()
