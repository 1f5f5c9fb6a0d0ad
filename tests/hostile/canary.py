#!/usr/bin/env python3
"""The canary for the reader's hostile mail: an HTTP server on loopback that writes one line
per connection and per request to LOG (method, path, User-Agent). The test expects the file to
stay empty while hostile mail is shown, and to name only the allowed paths once a person
chose "Show once".

    canary.py PORT LOG     (prints "ready" when it listens)
"""

import http.server
import socketserver
import sys

PORT, LOG = int(sys.argv[1]), sys.argv[2]


def note(line):
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def setup(self):
        note(f"CONNECT {self.client_address[0]}")
        super().setup()

    def answer(self):
        note(f"{self.command} {self.path} {self.headers.get('User-Agent', '')}")
        # A 1x1 transparent GIF: an image that "worked" for whoever asked.
        body = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_OPTIONS = answer

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


open(LOG, "a").close()
with Server(("127.0.0.1", PORT), Handler) as s:
    print("ready", flush=True)
    s.serve_forever()
