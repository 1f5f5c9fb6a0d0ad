#!/usr/bin/env bash
# A simulated internet on loopback for autodetection tests and the detection benchmark.
#
#   simnet.sh start   install what is missing, start the mail server (tests/mailserver) with its
#                     simulated hosts, a DNS server and the web servers; print KEY=VALUE settings
#   simnet.sh env     print the settings again
#   simnet.sh stop
#
# DNS: dnsmasq on 127.0.0.1:10053 answers A, MX and SRV for the test domains below (and for
# imap.gmail.com / smtp.gmail.com / aspmx.l.google.com), NXDOMAIN for any other *.test name
# and REFUSED for the rest: nothing leaves the machine. Web: tests/simnet/web.py. Mail:
# Dovecot/Postfix on 127.0.2.1 (good certificate) and 127.0.2.99 (untrusted certificate).
#
# One domain per channel, user eva@<domain>, the mail server's test password:
#   gmail.com       built-in table (its hosts resolve here)
#   autoconf.test   https://autoconfig.autoconf.test/mail/config-v1.1.xml
#   wellknown.test  https://wellknown.test/.well-known/autoconfig/mail/config-v1.1.xml (STARTTLS)
#   ispdb.test      the ISPDB (https://ispdb.simnet.test/v1.1/), user name given as local part
#   mxgoogle.test   MX aspmx.l.google.com -> the table's Google entry
#   mxhost.test     MX mx1.mailhost.test -> https autoconfig of mailhost.test
#   srv.test        SRV _imaps/_submissions
#   guess.test      only imap./smtp. hosts: guessing
#   nothing.test    an A record, no mail service at all
#   nosuch.test     does not exist
# Traps:
#   httptrap.test   only a plain-http autoconfig, naming hosts with an untrusted certificate
#   hang.test       autoconfig and well-known servers that accept and never answer; ISPDB knows it
#   hostile.test    entity expansion, an external entity and a 10 MB body; then guessing works
#   httpvalid.test  only a plain-http autoconfig, naming hosts elsewhere (mailhost.test) whose
#                   certificate is valid: the password must not go there without a yes
#   chunked.test    autoconfig answered chunked with chunk sizes near 2^64
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
if [ "$(id -u)" = 0 ]; then STATE=/var/lib/inkorg-simnet; else STATE=$HOME/.cache/inkorg-simnet; fi
DNS_PORT=10053
WEB=127.0.2.10 HANG=127.0.2.11 MAIL=127.0.2.1 TRAP=127.0.2.99 DEAD=127.0.2.12

log() { printf '%s\n' "simnet: $*" >&2; }

install_missing() {
  command -v dnsmasq >/dev/null && return 0
  [ "$(id -u)" = 0 ] || { log "need root to install dnsmasq-base"; exit 1; }
  log "installing dnsmasq-base"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq dnsmasq-base >/dev/null
}

xml() { # xml FILE IMAPHOST IMAPPORT IMAPSOCK SMTPHOST SMTPPORT SMTPSOCK USER
  mkdir -p "$(dirname "$1")"
  cat >"$1" <<EOX
<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="$(basename "$1")">
    <displayName>Simulated provider</displayName>
    <incomingServer type="imap">
      <hostname>$2</hostname><port>$3</port><socketType>$4</socketType>
      <username>$8</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>$5</hostname><port>$6</port><socketType>$7</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
EOX
}

write_www() {
  local w=$STATE/www
  rm -rf "$w"
  mkdir -p "$w"
  xml "$w/autoconfig.autoconf.test/mail/config-v1.1.xml" imap.autoconf.test 993 SSL smtp.autoconf.test 465 SSL %EMAILADDRESS%
  xml "$w/wellknown.test/.well-known/autoconfig/mail/config-v1.1.xml" mail.wellknown.test 143 STARTTLS mail.wellknown.test 587 STARTTLS %EMAILADDRESS%
  xml "$w/ispdb.simnet.test/v1.1/ispdb.test" imap.ispdb.test 993 SSL smtp.ispdb.test 587 STARTTLS %EMAILLOCALPART%
  xml "$w/ispdb.simnet.test/v1.1/hang.test" imap.hang.test 993 SSL smtp.hang.test 465 SSL %EMAILADDRESS%
  xml "$w/autoconfig.mailhost.test/mail/config-v1.1.xml" imap.mailhost.test 993 SSL smtp.mailhost.test 465 SSL %EMAILADDRESS%
  # The password trap: plain http only, pointing at hosts whose certificate is not trusted.
  xml "$w/autoconfig.httptrap.test/mail/config-v1.1.xml" imap.trap.test 993 SSL smtp.trap.test 465 SSL %EMAILADDRESS%
  xml "$w/autoconfig.httpvalid.test/mail/config-v1.1.xml" imap.mailhost.test 993 SSL smtp.mailhost.test 465 SSL %EMAILADDRESS%
  printf '%s\n' autoconfig.httptrap.test autoconfig.httpvalid.test >"$w/http-only"
  mkdir -p "$w/autoconfig.chunked.test/mail"
  touch "$w/autoconfig.chunked.test/mail/config-v1.1.xml.chunked"
  # Hostile XML.
  mkdir -p "$w/autoconfig.hostile.test/mail" "$w/hostile.test/.well-known/autoconfig/mail" "$w/ispdb.simnet.test/v1.1"
  cat >"$w/autoconfig.hostile.test/mail/config-v1.1.xml" <<'EOX'
<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<clientConfig><emailProvider><incomingServer type="imap"><hostname>&lol4;</hostname></incomingServer></emailProvider></clientConfig>
EOX
  touch "$w/hostile.test/.well-known/autoconfig/mail/config-v1.1.xml.huge"
  cat >"$w/ispdb.simnet.test/v1.1/hostile.test" <<'EOX'
<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<clientConfig><emailProvider><incomingServer type="imap"><hostname>&xxe;</hostname></incomingServer></emailProvider></clientConfig>
EOX
}

write_dns() {
  local c=$STATE/dnsmasq.conf n
  cat >"$c" <<EOC
# dnsmasq for Inkorg's simulated internet; written by simnet.sh. Loopback only, no upstream.
port=$DNS_PORT
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
no-poll
log-queries
log-facility=$STATE/dns.log
local=/test/
host-record=autoconfig.autoconf.test,$WEB
host-record=wellknown.test,$WEB
host-record=ispdb.simnet.test,$WEB
host-record=autoconfig.mailhost.test,$WEB
host-record=autoconfig.httptrap.test,$WEB
host-record=autoconfig.httpvalid.test,$WEB
host-record=autoconfig.chunked.test,$WEB
host-record=autoconfig.hostile.test,$WEB
host-record=hostile.test,$WEB
host-record=autoconfig.hang.test,$HANG
host-record=hang.test,$HANG
host-record=nothing.test,$DEAD
host-record=imap.trap.test,$TRAP
host-record=smtp.trap.test,$TRAP
mx-host=mxgoogle.test,aspmx.l.google.com,10
mx-host=mxhost.test,mx1.mailhost.test,10
host-record=mx1.mailhost.test,$DEAD
srv-host=_imaps._tcp.srv.test,imap.srvhost.test,993,0,1
srv-host=_submissions._tcp.srv.test,smtp.srvhost.test,465,0,1
EOC
  for n in imap.gmail.com smtp.gmail.com imap.autoconf.test smtp.autoconf.test mail.wellknown.test \
    imap.ispdb.test smtp.ispdb.test imap.mailhost.test smtp.mailhost.test imap.srvhost.test \
    smtp.srvhost.test imap.guess.test smtp.guess.test imap.hang.test smtp.hang.test \
    imap.hostile.test smtp.hostile.test; do
    echo "host-record=$n,$MAIL" >>"$c"
  done
}

stop() {
  [ -f "$STATE/dnsmasq.pid" ] && kill "$(cat "$STATE/dnsmasq.pid")" 2>/dev/null || true
  [ -f "$STATE/web.pid" ] && kill "$(cat "$STATE/web.pid")" 2>/dev/null || true
  rm -f "$STATE"/*.pid
}

wait_tcp() {
  local addr=$1 port=$2 _
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listens on $addr:$port"
  exit 1
}

env_lines() {
  local ca
  ca=$("$REPO/tests/mailserver/mailserver.sh" env | sed -n 's/^CA_FILE=//p')
  cat <<EOF
INKORG_DNS_SERVER=127.0.0.1:$DNS_PORT
INKORG_ISPDB_URL=https://ispdb.simnet.test/v1.1/
INKORG_EXTRA_CA=$ca
SIM_USER_LOCAL=eva
SIM_PASSWORD=$("$REPO/tests/mailserver/mailserver.sh" env | sed -n 's/^MAIL_PASSWORD=//p')
SIM_STATE=$STATE
SIM_REQUEST_LOG=$STATE/requests.log
SIM_MAIL_LOG=$("$REPO/tests/mailserver/mailserver.sh" env | sed -n 's/^MAILSERVER_ROOT=//p')/dovecot-sim/dovecot.log
EOF
}

start() {
  [ "$(id -u)" = 0 ] || { log "the simulated internet binds ports 80, 443, 993 and 465: run as root"; exit 1; }
  install_missing
  "$REPO/tests/mailserver/mailserver.sh" start >/dev/null
  stop
  mkdir -p "$STATE"
  : >"$STATE/requests.log"
  : >"$STATE/dns.log"
  write_www
  write_dns
  dnsmasq --conf-file="$STATE/dnsmasq.conf" --pid-file="$STATE/dnsmasq.pid"
  local root
  root=$("$REPO/tests/mailserver/mailserver.sh" env | sed -n 's/^MAILSERVER_ROOT=//p')
  python3 "$HERE/web.py" "$STATE" "$root/tls/chain.pem" "$root/tls/key.pem" >"$STATE/web.log" 2>&1 &
  echo $! >"$STATE/web.pid"
  wait_tcp $WEB 443
  wait_tcp $HANG 443
  wait_tcp $MAIL 993
  wait_tcp $MAIL 465
  wait_tcp $TRAP 993
  env_lines
}

case "${1:-}" in
  start) start ;;
  env) env_lines ;;
  stop) stop ;;
  *) sed -n '2,30p' "$0" >&2; exit 2 ;;
esac
