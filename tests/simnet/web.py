#!/usr/bin/env python3
"""The simulated internet's web servers: autoconfig, well-known and ISPDB files by Host.

    web.py STATE_DIR CHAIN KEY

Serves STATE_DIR/www/<host><path> (the query string ignored) on
  127.0.2.10:443 (https, the test CA's certificate) and 127.0.2.10:80 (http),
and on 127.0.2.11:443 and :80 accepts connections and never answers (the "hanging" server).
Traps: a host listed in STATE_DIR/www/http-only is served over http only; a file named
`<name>.huge` is answered with 10 MB of XML; one named `<name>.chunked` with a chunked body
whose chunk sizes are absurd (near 2^64). Every request line and Host goes to
STATE_DIR/requests.log, so a test can check that no password ever reached a web server.
"""
import http.server
import os
import socket
import ssl
import sys
import threading
import time

STATE, CHAIN, KEY = sys.argv[1], sys.argv[2], sys.argv[3]
WWW = os.path.join(STATE, "www")
LOG = os.path.join(STATE, "requests.log")
LOCK = threading.Lock()


def http_only():
    try:
        with open(os.path.join(WWW, "http-only")) as f:
            return {line.strip() for line in f if line.strip()}
    except FileNotFoundError:
        return set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        https = isinstance(self.connection, ssl.SSLSocket)
        with LOCK, open(LOG, "a") as f:
            f.write(f"{'https' if https else 'http'} {host} {self.path}\n")
        path = self.path.split("?", 1)[0]
        if ".." in path or (https and host in http_only()):
            return self.send(404, b"not here\n")
        file = os.path.join(WWW, host + path)
        if os.path.isfile(file + ".huge"):
            body = b"<clientConfig>" + b"<x>" + b"A" * (10 * 1024 * 1024) + b"</x></clientConfig>"
            return self.send(200, body, "application/xml")
        if os.path.isfile(file + ".chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                self.wfile.write(b"ffffffffffffffff\r\n<clientConfig>\r\n"
                                 b"fffffffffffffff0\r\nabc\r\n0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
            return
        if os.path.isfile(file):
            with open(file, "rb") as f:
                return self.send(200, f.read(), "application/xml")
        self.send(404, b"not found\n")

    def send(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def serve(addr, port, tls):
    srv = Server((addr, port), Handler)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(CHAIN, KEY)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def hang(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    held = []

    def loop():
        while True:
            conn, _ = s.accept()
            held.append(conn)  # never read, never answered, never closed

    threading.Thread(target=loop, daemon=True).start()


for port, tls in ((443, True), (80, False)):
    serve("127.0.2.10", port, tls)
    hang("127.0.2.11", port)
print("ready", flush=True)
while True:
    time.sleep(3600)
