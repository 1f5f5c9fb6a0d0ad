#!/usr/bin/env python3
"""Push benchmark: runs `inkorg-cli watch --json` on a logged-in profile, waits until it is
online, then hands ROUNDS messages to Postfix one at a time and measures the delay from
Postfix accepting each one to the `new_message` event. Prints the median and the slowest,
and the watch process's memory (VmRSS) with the profile's messages stored.

    push_latency.py CLI DATA_DIR MAILSERVER_SH USER [ROUNDS]
"""
import json
import queue
import statistics
import subprocess
import sys
import threading
import time

cli, data_dir, mailserver, user = sys.argv[1:5]
rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 20
watch = subprocess.Popen([cli, "--data-dir", data_dir, "watch", "--json"],
                         stdout=subprocess.PIPE, text=True, bufsize=1)
events: "queue.Queue[tuple[float, dict]]" = queue.Queue()


def read():
    for line in watch.stdout:
        events.put((time.time(), json.loads(line)))


threading.Thread(target=read, daemon=True).start()


def wait_for(pred, limit):
    end = time.time() + limit
    while time.time() < end:
        try:
            at, e = events.get(timeout=max(0.01, end - time.time()))
        except queue.Empty:
            break
        if pred(e):
            return at, e
    raise SystemExit("push benchmark: the event did not come")


try:
    wait_for(lambda e: e["type"] == "health" and e["state"] == "online", 600)
    rss_kb = next(int(l.split()[1]) for l in open(f"/proc/{watch.pid}/status") if l.startswith("VmRSS"))
    delays = []
    for i in range(rounds):
        subject = f"Bench push {i} {time.time()}"
        accepted = float(subprocess.check_output(["bash", mailserver, "deliver", user, subject], text=True).strip())
        at, _ = wait_for(lambda e: e["type"] == "new_message" and e["subject"] == subject, 30)
        delays.append(at - accepted)
    delays.sort()
    print(f"  push: Postfix accepted → new_message event, median of {rounds}: "
          f"{statistics.median(delays) * 1000:.0f} ms (slowest {delays[-1] * 1000:.0f} ms; target: at most 1 s)")
    print(f"  memory of inkorg-cli watch with the mailbox stored (VmRSS): {rss_kb / 1024:.1f} MB")
finally:
    watch.kill()
