#!/usr/bin/env python3
"""The raw baseline for the header-sync benchmark: one IMAPS session, LOGIN, SELECT INBOX and
one UID FETCH of the same items Inkorg fetches, read to the end with a literal-aware reader and
no parsing. Prints the seconds it took (connect to tagged OK) and the number of messages.

usage: raw_fetch.py HOST PORT USER CA_FILE   (password in INKORG_PASSWORD)
"""
import os
import re
import socket
import ssl
import sys
import time

QUERY = ("(UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE "
         "MESSAGE-ID IN-REPLY-TO REFERENCES)])")
LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


class Reader:
    def __init__(self, sock):
        # A bytearray: appending is amortised O(1), so a 13 MB literal reads in linear time.
        self.sock, self.buf = sock, bytearray()

    def line(self):
        """One response line, with any literals it announces appended."""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    raise EOFError
                self.buf += chunk
            i = self.buf.index(b"\r\n") + 2
            part = bytes(self.buf[:i])
            del self.buf[:i]
            out += part
            m = LITERAL.search(part)
            if not m:
                return out
            n = int(m.group(1))
            while len(self.buf) < n:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    raise EOFError
                self.buf += chunk
            out += self.buf[:n]
            del self.buf[:n]

    def until(self, tag):
        count = 0
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise SystemExit("server said: %r" % line[:200])
                return count
            if line.startswith(b"* ") and b" FETCH " in line[:30]:
                count += 1


def main():
    host, port, user, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    password = os.environ["INKORG_PASSWORD"]
    # Trust what Inkorg trusts: the OS store plus the test CA (loading the OS store is part of
    # every client's start-up cost, so the baseline pays it too).
    start = time.perf_counter()
    ctx = ssl.create_default_context()
    ctx.load_verify_locations(cafile=ca)
    sock = ctx.wrap_socket(socket.create_connection((host, port)), server_hostname=host)
    r = Reader(sock)
    r.line()
    sock.sendall(b'a1 LOGIN "%s" "%s"\r\n' % (user.encode(), password.encode()))
    r.until(b"a1")
    sock.sendall(b"a2 SELECT INBOX\r\n")
    r.until(b"a2")
    sock.sendall(b"a3 UID FETCH 1:* " + QUERY.encode() + b"\r\n")
    n = r.until(b"a3")
    elapsed = time.perf_counter() - start
    sock.sendall(b"a4 LOGOUT\r\n")
    sock.close()
    print("%.4f %d" % (elapsed, n))


if __name__ == "__main__":
    main()
