#!/usr/bin/env python3
"""Hands one message to the test Postfix over submission (STARTTLS, AUTH as the sender), the
way a person's mail program would; Postfix delivers it over LMTP into Dovecot.

    deliver.py CA_FILE PASSWORD FROM TO SUBJECT

Prints the time (seconds since the epoch, with fractions) at which Postfix accepted it.
"""
import smtplib
import ssl
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

ca, password, sender, to, subject = sys.argv[1:6]
msg = EmailMessage()
msg["From"] = f"Test Avsändare <{sender}>"
msg["To"] = to
msg["Subject"] = subject
msg["Date"] = formatdate(localtime=True)
msg["Message-ID"] = make_msgid(domain="inkorg.test")
msg.set_content("Hej!\n\nDet här är ett testbrev.\n")
ctx = ssl.create_default_context(cafile=ca)
with smtplib.SMTP("localhost", 10587, timeout=20) as s:
    s.starttls(context=ctx)
    s.login(sender, password)
    s.send_message(msg)
    print(f"{time.time():.6f}")
