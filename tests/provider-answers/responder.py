#!/usr/bin/env python3
"""A scripted IMAP and SMTP server that refuses sign-ins the way big providers do.

The real providers cannot be reached from the tests, so this small server speaks just enough
IMAP (greeting, CAPABILITY, LOGIN, LOGOUT) and SMTP (EHLO, AUTH PLAIN/LOGIN, QUIT) over
implicit TLS to answer a LOGIN or AUTH with the exact text of the table in
docs/product.md. The answer is chosen by the user name's local part up to a "+" (see ANSWERS); any other
user name signs in. Every sign-in attempt is appended to the log file as "PROTO USER", so a
test can count them (an [ALERT] must never be retried).

    responder.py --cert CHAIN --key KEY --imap-port P --smtp-port Q --log FILE
"""
import argparse
import base64
import socketserver
import ssl
import threading

# local part -> (IMAP tagged answer, SMTP reply lines); None signs in.
ANSWERS = {
    "apppassword": (
        "NO [ALERT] Application-specific password required: "
        "https://support.google.com/accounts/answer/185833 (Failure)",
        ["534-5.7.9 Application-specific password required. Learn more at",
         "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor"],
    ),
    "weblogin": (
        "NO [ALERT] Please log in via your web browser: "
        "https://support.google.com/mail/accounts/answer/78754 (Failure)",
        ["534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1> Please log in via",
         "534 5.7.14 your web browser and then try again."],
    ),
    "webalert": (
        "NO [WEBALERT https://accounts.google.com/signin/continue?sarp=1] Web login required.",
        None,
    ),
    "invalid": (
        "NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
        ["535-5.7.8 Username and Password not accepted. Learn more at",
         "535 5.7.8  https://support.google.com/mail/?p=BadCredentials"],
    ),
    "toomany": ("NO [ALERT] Too many simultaneous connections. (Failure)", None),
    "throttled": ("NO [THROTTLED] Account exceeded command or bandwidth limits. (Failure)", None),
    "overquota": ("NO [OVERQUOTA] Account exceeded bandwidth limits. (Failure)", None),
    "m365": ("NO LOGIN failed.", None),
    # An [ALERT] no table knows: shown as the provider wrote it.
    "suspended": ("NO [ALERT] Your account is temporarily suspended. (Failure)", None),
    "basicauth": ("NO Basic authentication is disabled.", None),
    "smtpbasic": (None, ["535 5.7.139 Authentication unsuccessful, basic authentication is disabled."]),
    "tenant": (
        None,
        ["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
         "Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."],
    ),
    "mswrong": (None, ["535 5.7.3 Authentication unsuccessful"]),
    "submission": (None, ["550 5.7.30 Basic authentication is not supported for Client Submission."]),
}

LOG_LOCK = threading.Lock()


def answer_for(user):
    # "apppassword+123@x" picks "apppassword": tests add a tag to count their own attempts.
    return ANSWERS.get(user.split("@", 1)[0].split("+", 1)[0].lower(), (None, None))


def record(path, proto, user):
    with LOG_LOCK, open(path, "a", encoding="utf-8") as f:
        f.write(f"{proto} {user}\n")


class Imap(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] responder ready")
        for raw in self.rfile:
            parts = raw.decode("utf-8", "replace").strip().split(" ")
            if len(parts) < 2:
                continue
            tag, cmd = parts[0], parts[1].upper()
            if cmd == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                self.send(f"{tag} OK CAPABILITY completed")
            elif cmd == "LOGIN" and len(parts) >= 4:
                user = parts[2].strip('"')
                record(self.server.log, "IMAP", user)
                imap_answer, _ = answer_for(user)
                self.send(f"{tag} {imap_answer}" if imap_answer else f"{tag} OK LOGIN completed")
            elif cmd == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif cmd == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            else:
                self.send(f"{tag} BAD not scripted")


class Smtp(socketserver.StreamRequestHandler):
    def send(self, *lines):
        self.wfile.write("".join(line + "\r\n" for line in lines).encode())
        self.wfile.flush()

    def readline(self):
        return self.rfile.readline().decode("utf-8", "replace").strip()

    def auth(self, user):
        record(self.server.log, "SMTP", user)
        _, smtp_answer = answer_for(user)
        self.send(*(smtp_answer or ["235 2.7.0 Accepted"]))

    def handle(self):
        self.send("220 responder ESMTP ready")
        while True:
            line = self.readline()
            if not line:
                return
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.send("250-responder", "250-AUTH PLAIN LOGIN", "250 8BITMIME")
            elif verb == "AUTH":
                args = line.split(" ")[1:]
                mech = args[0].upper() if args else ""
                if mech == "PLAIN":
                    data = args[1] if len(args) > 1 else None
                    if data is None:
                        self.send("334 ")
                        data = self.readline()
                    fields = base64.b64decode(data + "==").split(b"\0")
                    self.auth(fields[1].decode() if len(fields) > 2 else "")
                elif mech == "LOGIN":
                    self.send("334 VXNlcm5hbWU6")
                    user = base64.b64decode(self.readline() + "==").decode()
                    self.send("334 UGFzc3dvcmQ6")
                    self.readline()
                    self.auth(user)
                else:
                    self.send("504 5.5.4 mechanism not scripted")
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                return
            elif verb in ("NOOP", "RSET"):
                self.send("250 2.0.0 OK")
            else:
                self.send("502 5.5.2 not scripted")


class TlsServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, context, log):
        super().__init__(addr, handler)
        self.context = context
        self.log = log

    def get_request(self):
        sock, addr = super().get_request()
        sock.settimeout(30)
        # The handshake runs in the handler thread, so a silent client blocks only itself.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-handshake is not news


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--imap-port", type=int, required=True)
    p.add_argument("--smtp-port", type=int, required=True)
    p.add_argument("--log", required=True)
    a = p.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    imap = TlsServer(("127.0.0.1", a.imap_port), Imap, ctx, a.log)
    smtp = TlsServer(("127.0.0.1", a.smtp_port), Smtp, ctx, a.log)
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    imap.serve_forever()


if __name__ == "__main__":
    main()
