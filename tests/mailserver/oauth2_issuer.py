#!/usr/bin/env python3
"""A small local OAuth2 issuer for the tests: token introspection (RFC 7662) for the main
Dovecot, which then accepts SASL XOAUTH2 and OAUTHBEARER for IMAP and, through its auth
service, for Postfix. Tokens are issued by `mailserver.sh oauth2-token USER` (a line
"token<TAB>user" in TOKENS); this server only answers whether a token is good and for whom.

    oauth2_issuer.py PORT TOKENS LOG
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, tokens_path, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def owner(token: str):
    try:
        with open(tokens_path, encoding="utf-8") as f:
            for line in f:
                t, _, user = line.rstrip("\n").partition("\t")
                if t and t == token:
                    return user
    except FileNotFoundError:
        pass
    return None


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        token = (form.get("token") or [""])[0]
        user = owner(token) if self.path == "/introspect" else None
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"{self.path} {'active ' + user if user else 'inactive'}\n")
        if user:
            body, status = {"active": True, "username": user}, 200
        else:
            body, status = {"active": False, "error": "invalid_token"}, 401
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
