#!/usr/bin/env python3
"""The raw baseline for the reading benchmark: one IMAPS session, LOGIN, EXAMINE INBOX, then one
`UID FETCH uid BODY.PEEK[]` per message (as a reader that opens one message at a time must),
read to the end with raw_fetch.py's literal-aware reader and no parsing. Prints the median and
the largest time of one fetch in milliseconds, and the number of messages.

usage: raw_body.py HOST PORT USER CA_FILE   (password in INKORG_PASSWORD)
"""
import os
import socket
import ssl
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_fetch import Reader  # noqa: E402


def main():
    host, port, user, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = ssl.create_default_context()
    ctx.load_verify_locations(cafile=ca)
    sock = ctx.wrap_socket(socket.create_connection((host, port)), server_hostname=host)
    r = Reader(sock)
    r.line()
    sock.sendall(b'a1 LOGIN "%s" "%s"\r\n' % (user.encode(), os.environ["INKORG_PASSWORD"].encode()))
    r.until(b"a1")
    sock.sendall(b"a2 EXAMINE INBOX\r\n")
    r.until(b"a2")
    sock.sendall(b"a3 UID SEARCH ALL\r\n")
    uids = []
    while True:
        line = r.line()
        if line.startswith(b"* SEARCH"):
            uids = [int(u) for u in line.split()[2:]]
        if line.startswith(b"a3 "):
            break
    times = []
    for i, uid in enumerate(uids):
        tag = b"b%d" % i
        start = time.perf_counter()
        sock.sendall(tag + b" UID FETCH %d BODY.PEEK[]\r\n" % uid)
        r.until(tag)
        times.append((time.perf_counter() - start) * 1000)
    sock.sendall(b"a9 LOGOUT\r\n")
    sock.close()
    print("%.2f %.2f %d" % (statistics.median(times), max(times), len(times)))


if __name__ == "__main__":
    main()
