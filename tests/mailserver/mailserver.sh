#!/usr/bin/env bash
# A real local mail server for Inkorg's tests and demos, on 127.0.0.1 only.
#
#   mailserver.sh start              install what is missing, (re)start, print KEY=VALUE settings
#   mailserver.sh env                print the KEY=VALUE settings again (servers must be running)
#   mailserver.sh seed USER N        add N generated messages to USER's INBOX
#   mailserver.sh flag USER UIDS FLAG [remove]   add (or remove) a flag, e.g. '\Seen', on UIDs
#   mailserver.sh expunge USER UIDS  delete and expunge the given UIDs
#   mailserver.sh new-uidvalidity USER   give USER's INBOX a new UIDVALIDITY (same mail)
#   mailserver.sh reset USER         empty all of USER's folders (and forget what was seeded)
#   mailserver.sh deliver USER SUBJECT   send a message to USER through Postfix (submission)
#   mailserver.sh save USER FILE…    put .eml files into USER's INBOX as they are (doveadm save)
#   mailserver.sh restart-imap       restart the main Dovecot (connections drop)
#   mailserver.sh dump USER [INST]   every message of USER: folder, UID, flags (tab-separated)
#   mailserver.sh count USER FOLDER MESSAGE-ID   how many messages in FOLDER have that Message-ID
#   mailserver.sh raw USER FOLDER MESSAGE-ID     the message with that Message-ID, as stored
#   mailserver.sh smtp-stop | smtp-start   stop or start Postfix (submission refuses connections)
#   mailserver.sh flat-folders USER NAME…   folders INBOX.NAME on the "flat" instance
#   mailserver.sh flat-rename USER OLD NEW  rename INBOX.OLD to INBOX.NEW there
#   mailserver.sh kick USER          close USER's IMAP sessions (as a provider does after a password change)
#   mailserver.sh subscribed USER [INST]   the folders USER is subscribed to, one per line
#   mailserver.sh oauth2-token USER  issue an OAuth2 access token for USER (printed)
#   mailserver.sh stop
#
# What runs (all loopback, high ports, so nothing clashes with a system mail server):
#   Dovecot "main"      IMAPS 10993, IMAP with STARTTLS 10143, LMTP 10024, SASL auth 10444
#   Dovecot "untrusted" IMAPS 11993 with a certificate from a CA that clients do not trust
#   Dovecot "plain"     IMAP 12143 without STARTTLS (ssl = no), to prove the client refuses it
#   Dovecot "flat"      IMAPS 13993 shaped like Courier/Cyrus: folders under "INBOX." with "."
#                       as the delimiter, no SPECIAL-USE, no CONDSTORE/QRESYNC, no MOVE
#   Dovecot "condstore" IMAPS 14993 like main but without QRESYNC (CONDSTORE only), as many
#                       servers are: resync by CHANGEDSINCE and UID SEARCH
#   OAuth2 issuer       127.0.0.1:10880, token introspection for the main Dovecot, which also
#                       takes SASL XOAUTH2 and OAUTHBEARER (oauth2_issuer.py)
#   Postfix             submission with STARTTLS 10587, SMTPS 10465; SASL through Dovecot;
#                       delivers to @inkorg.test over LMTP into Dovecot and nowhere else
#   Dovecot "sim"       the simulated internet's mail hosts (run as root, standard ports):
#                       IMAPS 993 and IMAP+STARTTLS 143 on $SIM_ADDR (a certificate for every
#                       name in SIM_NAMES) and on $SIM_TRAP (a certificate from the untrusted CA);
#                       Postfix adds SMTPS 465 and submission 587 on both. Users eva@ each
#                       domain in SIM_DOMAINS. tests/simnet/ adds the DNS and web servers.
# All Dovecot instances serve the same mailboxes. State lives under $MAILSERVER_ROOT
# (default /var/lib/inkorg-mailserver as root, else ~/.cache/inkorg-mailserver). Test users: alice@inkorg.test and bob@inkorg.test.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# As root, the state goes where the unprivileged mail user can reach it (root's home is 0700).
if [ "$(id -u)" = 0 ]; then DEFAULT_ROOT=/var/lib/inkorg-mailserver; else DEFAULT_ROOT=$HOME/.cache/inkorg-mailserver; fi
ROOT=${MAILSERVER_ROOT:-$DEFAULT_ROOT}
DOMAIN=inkorg.test
# alice and bob are for people and demos; the others give each test its own mailbox.
USERS=(alice bob carol dave erin frank gina hugo iris jon kim lea mia nina olof pia rut sam tove ulla vera will xena yara zoe bench e2e reader)
# Test-only password, the same for every test user. Tests check that it never lands on disk.
PASSWORD=${MAILSERVER_PASSWORD:-Sommar-Regn-2718}
MAILUSER=inkorgmail
IMAPS_PORT=10993 IMAP_PORT=10143 LMTP_PORT=10024 AUTH_PORT=10444
UNTRUSTED_PORT=11993 PLAIN_PORT=12143 FLAT_PORT=13993 CONDSTORE_PORT=14993
SUBMISSION_PORT=10587 SMTPS_PORT=10465 OAUTH2_PORT=10880
# The simulated internet (tests/simnet): its mail hosts resolve to these loopback addresses.
SIM_ADDR=127.0.2.1 SIM_TRAP=127.0.2.99
SIM_DOMAINS=(gmail.com autoconf.test wellknown.test ispdb.test mxgoogle.test mxhost.test srv.test
  guess.test hang.test hostile.test httptrap.test httpvalid.test nothing.test)
SIM_NAMES=(imap.gmail.com smtp.gmail.com imap.autoconf.test smtp.autoconf.test mail.wellknown.test
  imap.ispdb.test smtp.ispdb.test imap.mailhost.test smtp.mailhost.test imap.srvhost.test
  smtp.srvhost.test imap.guess.test smtp.guess.test imap.hang.test smtp.hang.test
  imap.hostile.test smtp.hostile.test autoconfig.autoconf.test wellknown.test ispdb.simnet.test
  autoconfig.mailhost.test autoconfig.hostile.test hostile.test autoconfig.hang.test hang.test
  autoconfig.chunked.test)

log() { printf '%s\n' "mailserver: $*" >&2; }

install_missing() {
  local need=()
  command -v dovecot >/dev/null || need+=(dovecot-imapd)
  [ -x /usr/lib/dovecot/lmtp ] || need+=(dovecot-lmtpd)
  command -v postfix >/dev/null || need+=(postfix)
  command -v openssl >/dev/null || need+=(openssl)
  command -v python3 >/dev/null || need+=(python3)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    [ "$(id -u)" = 0 ] || { log "need root to install ${need[*]}"; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # policy-rc.d may forbid starting the system services; we start our own instances.
    apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

ensure_user() {
  if [ "$(id -u)" = 0 ]; then
    id -u $MAILUSER >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin $MAILUSER
  else
    MAILUSER=$(id -un)
  fi
}

as_mail() { if [ "$(id -u)" = 0 ]; then runuser -u $MAILUSER -- "$@"; else "$@"; fi; }

make_certs() {
  local d=$ROOT/tls names
  mkdir -p "$d"
  names="localhost mail.$DOMAIN ${SIM_NAMES[*]}"
  [ -f "$d/untrusted-chain.pem" ] && [ "$(cat "$d/names" 2>/dev/null)" = "$names" ] && return 0
  # Two small CAs, each with a leaf for localhost / 127.0.0.1 (and the simulated internet's
  # host names). Clients are told to trust ca.pem only; untrusted-ca.pem stands for an unknown
  # or self-made certificate. (A lone self-signed certificate is a CA certificate, which strict
  # TLS stacks reject as a server certificate, so the leaves are separate.)
  local san="DNS:localhost,DNS:mail.$DOMAIN,IP:127.0.0.1" n
  for n in "${SIM_NAMES[@]}"; do san="$san,DNS:$n"; done
  for name in "" untrusted-; do
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
      -subj "/CN=Inkorg ${name}test CA" -keyout "$d/${name}ca.key" -out "$d/${name}ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
      -keyout "$d/${name}key.pem" -out "$d/${name}leaf.csr" 2>/dev/null
    # The untrusted leaf names the trap hosts, so only the CA makes it wrong.
    if [ -z "$name" ]; then
      printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" >"$d/leaf.ext"
    else
      printf 'subjectAltName=DNS:localhost,DNS:imap.trap.test,DNS:smtp.trap.test,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$d/leaf.ext"
    fi
    openssl x509 -req -in "$d/${name}leaf.csr" -CA "$d/${name}ca.pem" -CAkey "$d/${name}ca.key" \
      -CAcreateserial -days 3650 -extfile "$d/leaf.ext" -out "$d/${name}leaf.pem" 2>/dev/null
    cat "$d/${name}leaf.pem" "$d/${name}ca.pem" >"$d/${name}chain.pem"
  done
  chmod 644 "$d"/*.pem
  echo "$names" >"$d/names"
}

write_users() {
  local uid gid u
  uid=$(id -u $MAILUSER) gid=$(id -g $MAILUSER)
  mkdir -p "$ROOT/home"
  : >"$ROOT/users"
  : >"$ROOT/vmailbox"
  for u in "${USERS[@]}"; do
    mkdir -p "$ROOT/home/$u/Maildir"/{cur,new,tmp}
    # passwd-file: user:password:uid:gid:gecos:home:shell
    echo "$u@$DOMAIN:{PLAIN}$PASSWORD:$uid:$gid::$ROOT/home/$u::" >>"$ROOT/users"
    echo "$u@$DOMAIN OK" >>"$ROOT/vmailbox"
  done
  mkdir -p "$ROOT/home/sim/Maildir"/{cur,new,tmp}
  for u in "${SIM_DOMAINS[@]}"; do
    echo "eva@$u:{PLAIN}$PASSWORD:$uid:$gid::$ROOT/home/sim::" >>"$ROOT/users"
  done
  chmod 640 "$ROOT/users"
  chown -R "$MAILUSER" "$ROOT/home" "$ROOT/users"
}

# dovecot_conf NAME CERTPREFIX SSL LISTENERS...
# The folder namespace. "flat" looks like Courier or Cyrus: every folder under "INBOX." with
# "." as the delimiter, no SPECIAL-USE (roles only from the names), and no CONDSTORE, QRESYNC
# or MOVE (flag scans; COPY, STORE \\Deleted and UID EXPUNGE to move).
namespace_of() {
  if [ "$1" = flat ]; then
    cat <<EOT
namespace inbox {
  inbox = yes
  prefix = INBOX.
  separator = .
}
imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ NAMESPACE UIDPLUS CHILDREN UNSELECT ESEARCH
EOT
    return
  fi
  # Dovecot's own list, less QRESYNC.
  [ "$1" = condstore ] && echo "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT \
SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE \
UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE ESEARCH ESORT SEARCHRES \
WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE \
SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
  cat <<'EOT'
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
}
EOT
}

dovecot_conf() {
  local name=$1 cert=$2 ssl=$3 listeners=$4 extra=${5:-}
  local dir=$ROOT/dovecot-$name
  mkdir -p "$dir/run" "$dir/state"
  cat >"$dir/dovecot.conf" <<EOF
# Dovecot "$name" for Inkorg's tests. Loopback only; written by mailserver.sh.
instance_name = inkorg-$name
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
auth_verbose = yes
protocols = $( [ "$name" = main ] && echo "imap lmtp" || echo imap )
listen = $( [ "$name" = sim ] && echo "$SIM_ADDR, $SIM_TRAP" || echo 127.0.0.1 )
default_internal_user = $MAILUSER
default_internal_group = $(id -gn $MAILUSER)
default_login_user = $MAILUSER
first_valid_uid = 1
# IDLE learns of new mail through inotify; where the machine runs out of inotify instances
# (a busy test run), Dovecot falls back to checking every mailbox_idle_check_interval.
mailbox_idle_check_interval = 1 secs
service anvil {
  chroot =
  # No growing delay per client address after failed logins: tests that try wrong passwords
  # run beside others from the same 127.0.0.1. (auth_failure_delay, 2 s, still applies.)
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  chroot =
$listeners
}
ssl = $ssl
$( [ "$ssl" = no ] || printf 'ssl_cert = <%s\nssl_key = <%s\nssl_min_protocol = TLSv1.2\n' \
  "$ROOT/tls/${cert}chain.pem" "$ROOT/tls/${cert}key.pem")
# Plaintext LOGIN is allowed so the "plain" instance can prove the client never sends it.
disable_plaintext_auth = no
auth_mechanisms = plain login$( [ "$name" = main ] && echo " xoauth2 oauthbearer")
$( [ "$name" = main ] && printf 'passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = %s\n}\n' "$ROOT/dovecot-oauth2.conf.ext")
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $ROOT/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $ROOT/users
}
mail_location = maildir:~/Maildir
$(namespace_of "$name")
$extra
EOF
  # The sim instance's master runs as root and keeps its own run directory.
  [ "$name" = sim ] || chown -R "$MAILUSER" "$dir"
}

# The listeners of an instance reached only over IMAPS on port $1.
imaps_only() {
  cat <<EOT
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $1
    ssl = yes
  }
EOT
}

write_dovecot() {
  cat >"$ROOT/dovecot-oauth2.conf.ext" <<EOF
# The test OAuth2 issuer (oauth2_issuer.py) says whether a token is good and for whom.
introspection_mode = post
introspection_url = http://127.0.0.1:$OAUTH2_PORT/introspect
username_attribute = username
force_introspection = yes
EOF
  dovecot_conf main "" yes "  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }" "postmaster_address = postmaster@$DOMAIN
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = $AUTH_PORT
  }
}"
  dovecot_conf untrusted untrusted- yes "  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $UNTRUSTED_PORT
    ssl = yes
  }"
  dovecot_conf sim "" yes "  inet_listener imap {
    address = $SIM_ADDR, $SIM_TRAP
    port = 143
  }
  inet_listener imaps {
    address = $SIM_ADDR, $SIM_TRAP
    port = 993
    ssl = yes
  }" "local $SIM_TRAP {
  ssl_cert = <$ROOT/tls/untrusted-chain.pem
  ssl_key = <$ROOT/tls/untrusted-key.pem
}"
  dovecot_conf flat "" yes "$(imaps_only $FLAT_PORT)"
  dovecot_conf condstore "" yes "$(imaps_only $CONDSTORE_PORT)"
  dovecot_conf plain "" no "  inet_listener imap {
    address = 127.0.0.1
    port = $PLAIN_PORT
  }
  inet_listener imaps {
    port = 0
  }"
}

write_postfix() {
  local conf=$ROOT/postfix/conf
  mkdir -p "$conf" "$ROOT/postfix/spool" "$ROOT/postfix/data"
  chown postfix "$ROOT/postfix/data"
  cp "$ROOT/vmailbox" "$conf/vmailbox"
  cat >"$conf/main.cf" <<EOF
# Postfix for Inkorg's tests. Loopback only; delivers to @$DOMAIN and nowhere else.
compatibility_level = 3.6
queue_directory = $ROOT/postfix/spool
data_directory = $ROOT/postfix/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $ROOT/postfix/postfix.log
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
myorigin = \$mydomain
mydestination =
# Every service in master.cf names its own loopback address; "all" only skips the check that
# each address is configured on an interface (127.0.2.x are loopback without being assigned).
inet_interfaces = all
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtputf8_enable = yes
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = texthash:$conf/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
# Never relay anywhere else: this server must not reach outside the machine.
default_transport = error:this test server delivers only to @$DOMAIN
relay_transport = error:this test server delivers only to @$DOMAIN
local_transport = error:no local delivery
smtpd_tls_chain_files = $ROOT/tls/key.pem, $ROOT/tls/chain.pem
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$AUTH_PORT
smtpd_sasl_auth_enable = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = permit_sasl_authenticated, reject_unauth_destination
EOF
  cat >"$conf/master.cf" <<EOF
# service type private unpriv chroot wakeup maxproc command
127.0.0.1:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
$(sim_master_cf)
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# Standard ports on the simulated internet's addresses; the trap serves the untrusted certificate.
sim_master_cf() {
  local addr chain
  for addr in $SIM_ADDR $SIM_TRAP; do
    chain="$ROOT/tls/key.pem, $ROOT/tls/chain.pem"
    [ "$addr" = "$SIM_TRAP" ] && chain="$ROOT/tls/untrusted-key.pem, $ROOT/tls/untrusted-chain.pem"
    cat <<EOT
$addr:587 inet n - n - - smtpd
  -o syslog_name=postfix/sim-submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o {smtpd_tls_chain_files=$chain}
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
$addr:465 inet n - n - - smtpd
  -o syslog_name=postfix/sim-smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o {smtpd_tls_chain_files=$chain}
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
EOT
  done
}

wait_port() {
  local port=$1 what=$2 _
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && return 0
    sleep 0.1
  done
  log "$what did not come up on 127.0.0.1:$port"
  tail -20 "$ROOT"/dovecot-*/dovecot.log "$ROOT/postfix/postfix.log" 2>/dev/null >&2 || true
  exit 1
}

stop() {
  local name
  [ -f "$ROOT/oauth2.pid" ] && kill "$(cat "$ROOT/oauth2.pid")" 2>/dev/null || true
  rm -f "$ROOT/oauth2.pid"
  for name in main untrusted plain flat condstore; do
    [ -f "$ROOT/dovecot-$name/dovecot.conf" ] &&
      as_mail doveadm -c "$ROOT/dovecot-$name/dovecot.conf" stop 2>/dev/null || true
  done
  [ -f "$ROOT/dovecot-sim/dovecot.conf" ] && doveadm -c "$ROOT/dovecot-sim/dovecot.conf" stop 2>/dev/null || true
  [ -f "$ROOT/postfix/conf/main.cf" ] && postfix -c "$ROOT/postfix/conf" stop 2>/dev/null || true
  return 0
}

start() {
  install_missing
  ensure_user
  # Many Dovecot processes and test clients at once: room for their inotify instances.
  if [ "$(id -u)" = 0 ] && [ "$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 0)" -lt 1024 ]; then
    sysctl -q -w fs.inotify.max_user_instances=1024 2>/dev/null || true
  fi
  stop
  make_certs
  write_users
  write_dovecot
  write_postfix
  local name
  for name in main untrusted plain flat condstore; do
    touch "$ROOT/dovecot-$name/dovecot.log"
    chown "$MAILUSER" "$ROOT/dovecot-$name/dovecot.log"
    as_mail dovecot -c "$ROOT/dovecot-$name/dovecot.conf"
  done
  # The simulated internet's hosts use privileged ports: that instance's master runs as root
  # (as Dovecot normally does) and drops to $MAILUSER for logins and mail.
  if [ "$(id -u)" = 0 ]; then
    touch "$ROOT/dovecot-sim/dovecot.log"
    dovecot -c "$ROOT/dovecot-sim/dovecot.conf"
  fi
  wait_port $IMAPS_PORT "Dovecot (main)"
  wait_port $AUTH_PORT "Dovecot auth"
  touch "$ROOT/oauth2-tokens" "$ROOT/oauth2.log"
  nohup python3 "$HERE/oauth2_issuer.py" "$OAUTH2_PORT" "$ROOT/oauth2-tokens" "$ROOT/oauth2.log" \
    >/dev/null 2>&1 &
  echo $! >"$ROOT/oauth2.pid"
  wait_port $OAUTH2_PORT "OAuth2 issuer"
  wait_port $UNTRUSTED_PORT "Dovecot (untrusted)"
  wait_port $PLAIN_PORT "Dovecot (plain)"
  wait_port $FLAT_PORT "Dovecot (flat: INBOX. and '.', no SPECIAL-USE, CONDSTORE or MOVE)"
  wait_port $CONDSTORE_PORT "Dovecot (CONDSTORE without QRESYNC)"
  postfix -c "$ROOT/postfix/conf" start >/dev/null 2>&1 || {
    log "postfix failed to start"; postfix -c "$ROOT/postfix/conf" check >&2 || true; exit 1; }
  wait_port $SUBMISSION_PORT "Postfix submission"
  wait_port $SMTPS_PORT "Postfix SMTPS"
  env_lines
}

env_lines() {
  cat <<EOF
IMAP_HOST=localhost
IMAP_PORT=$IMAPS_PORT
IMAP_SECURITY=tls
IMAP_STARTTLS_PORT=$IMAP_PORT
IMAP_UNTRUSTED_PORT=$UNTRUSTED_PORT
IMAP_NO_STARTTLS_PORT=$PLAIN_PORT
IMAP_FLAT_PORT=$FLAT_PORT
IMAP_CONDSTORE_PORT=$CONDSTORE_PORT
SMTP_HOST=localhost
SMTP_PORT=$SUBMISSION_PORT
SMTP_SECURITY=starttls
SMTPS_PORT=$SMTPS_PORT
MAIL_USER=alice@$DOMAIN
MAIL_USER2=bob@$DOMAIN
MAIL_PASSWORD=$PASSWORD
CA_FILE=$ROOT/tls/ca.pem
MAILSERVER_ROOT=$ROOT
PLAIN_LOG=$ROOT/dovecot-plain/dovecot.log
EOF
}

# A test may restart the main Dovecot (restart-imap) while another one changes mail: a
# doveadm call that finds no auth service (or loses it in the middle of a user lookup, as
# "auth-master: ... Disconnected unexpectedly") waits for it, for up to 10 s. A failed lookup
# has changed nothing, so the retry cannot do anything twice.
doveadm_main() {
  local i err rc=1
  err=$(mktemp)
  for i in $(seq 20); do
    if as_mail doveadm -c "$ROOT/dovecot-main/dovecot.conf" "$@" 2>"$err"; then
      rc=0
      break
    fi
    grep -q "Connection refused\|No such file\|Disconnected unexpectedly" "$err" || break
    sleep 0.5
  done
  [ $rc = 0 ] || cat "$err" >&2
  rm -f "$err"
  return $rc
}

user_of() { case $1 in *@*) echo "$1" ;; *) echo "$1@$DOMAIN" ;; esac; }

seed() {
  local user n local_part
  user=$(user_of "${1:?usage: seed USER N}") n=${2:?usage: seed USER N}
  local_part=${user%@*}
  ensure_user
  # Messages go straight into the Maildir's new/ (as a delivery agent would), then Dovecot
  # is told to pick them up. The generator records what every subject must decode to.
  as_mail python3 "$HERE/gen_mail.py" "$ROOT/home/$local_part/Maildir" "$n" "$user" \
    "$ROOT/home/$local_part/expected.tsv"
  doveadm_main force-resync -u "$user" INBOX
}

flag() {
  local user
  user=$(user_of "${1:?usage: flag USER UIDS FLAG [remove]}")
  local op=add; [ "${4:-}" = remove ] && op=remove
  doveadm_main flags "$op" -u "$user" "${3:?FLAG}" mailbox INBOX uid "${2:?UIDS}"
}

expunge() {
  local user
  user=$(user_of "${1:?usage: expunge USER UIDS}")
  doveadm_main expunge -u "$user" mailbox INBOX uid "${2:?UIDS}"
}

new_uidvalidity() {
  local user local_part md
  user=$(user_of "${1:?usage: new-uidvalidity USER}")
  local_part=${user%@*}
  md=$ROOT/home/$local_part/Maildir
  # Forgetting the UID list and indexes makes Dovecot assign a new UIDVALIDITY and renumber.
  for name in main untrusted plain; do
    as_mail doveadm -c "$ROOT/dovecot-$name/dovecot.conf" kick "$user" >/dev/null 2>&1 || true
  done
  sleep 1  # UIDVALIDITY is a timestamp: make sure it differs from the old one
  rm -f "$md"/dovecot-uidlist "$md"/dovecot.index*
  doveadm_main force-resync -u "$user" INBOX
}

reset() {
  local user local_part
  user=$(user_of "${1:?usage: reset USER}")
  local_part=${user%@*}
  doveadm_main expunge -u "$user" mailbox '*' all
  # Folders a test made go too (the standard ones come back at the next login).
  doveadm_main mailbox list -u "$user" 2>/dev/null | grep -vx INBOX | sort -r |
    while IFS= read -r box; do doveadm_main mailbox delete -u "$user" "$box" >/dev/null 2>&1 || true; done
  rm -f "$ROOT/home/$local_part/expected.tsv"
}

deliver() {
  local user
  user=$(user_of "${1:?usage: deliver USER SUBJECT}")
  python3 "$HERE/deliver.py" "$ROOT/tls/ca.pem" "$PASSWORD" "alice@$DOMAIN" "$user" "${2:?SUBJECT}"
}

save_files() {
  local user f
  user=$(user_of "${1:?usage: save USER FILE…}")
  shift
  ensure_user
  for f in "$@"; do
    doveadm_main save -u "$user" -m INBOX < "$f"
  done
}

restart_imap() {
  doveadm_main stop 2>/dev/null || true
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/$IMAPS_PORT) 2>/dev/null || break
    sleep 0.1
  done
  as_mail dovecot -c "$ROOT/dovecot-main/dovecot.conf"
  wait_port $IMAPS_PORT "Dovecot (main)"
  wait_port $AUTH_PORT "Dovecot auth"
  # Postfix's smtpd processes keep their connection to Dovecot's auth service: after the
  # restart their next AUTH would fail once ("connection lost to authentication server").
  postfix -c "$ROOT/postfix/conf" reload >/dev/null 2>&1 || true
}

kick() {
  doveadm_main kick "$(user_of "${1:?usage: kick USER}")" >/dev/null 2>&1 || true
}

dump() {
  local user
  user=$(user_of "${1:?usage: dump USER [INSTANCE]}")
  as_mail doveadm -c "$ROOT/dovecot-${2:-main}/dovecot.conf" -f tab fetch -u "$user" "mailbox uid flags" all |
    tail -n +2 | sort
}

count_id() {
  local user
  user=$(user_of "${1:?usage: count USER FOLDER MESSAGE-ID}")
  doveadm_main search -u "$user" mailbox "${2:?FOLDER}" header Message-ID "${3:?MESSAGE-ID}" |
    grep -c . || true
}

raw_by_id() {
  local user
  user=$(user_of "${1:?usage: raw USER FOLDER MESSAGE-ID}")
  doveadm_main fetch -u "$user" text mailbox "${2:?FOLDER}" header Message-ID "${3:?MESSAGE-ID}" |
    sed '1{/^text:/d}'
}

smtp_stop() {
  postfix -c "$ROOT/postfix/conf" stop >/dev/null 2>&1 || true
  local _
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$SUBMISSION_PORT") 2>/dev/null || return 0
    sleep 0.1
  done
  log "postfix did not stop"; exit 1
}

smtp_start() {
  postfix -c "$ROOT/postfix/conf" start >/dev/null 2>&1 || true
  wait_port $SUBMISSION_PORT "Postfix (submission)"
  wait_port $SMTPS_PORT "Postfix (SMTPS)"
}

oauth2_token() {
  local user token
  user=$(user_of "${1:?usage: oauth2-token USER}")
  token="ya29.test-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  printf '%s\t%s\n' "$token" "$user" >>"$ROOT/oauth2-tokens"
  echo "$token"
}

subscribed() {
  local user
  user=$(user_of "${1:?usage: subscribed USER [INSTANCE]}")
  as_mail doveadm -c "$ROOT/dovecot-${2:-main}/dovecot.conf" mailbox list -s -u "$user" | sort
}

# flat-folders USER NAME…: creates folders USER sees on the "flat" instance (INBOX.NAME).
flat_folders() {
  local user name
  user=$(user_of "${1:?usage: flat-folders USER NAME…}"); shift
  for name in "$@"; do
    as_mail doveadm -c "$ROOT/dovecot-flat/dovecot.conf" mailbox create -u "$user" "INBOX.$name" 2>/dev/null || true
  done
}

# flat-rename USER OLD NEW: renames a folder on the "flat" instance.
flat_rename() {
  as_mail doveadm -c "$ROOT/dovecot-flat/dovecot.conf" mailbox rename -u "$(user_of "$1")" "INBOX.$2" "INBOX.$3"
}

case "${1:-}" in
  start) start ;;
  deliver) shift; deliver "$@" ;;
  save) shift; save_files "$@" ;;
  restart-imap) restart_imap ;;
  dump) shift; dump "$@" ;;
  count) shift; count_id "$@" ;;
  raw) shift; raw_by_id "$@" ;;
  smtp-stop) smtp_stop ;;
  smtp-start) smtp_start ;;
  kick) shift; kick "$@" ;;
  subscribed) shift; subscribed "$@" ;;
  oauth2-token) shift; oauth2_token "$@" ;;
  flat-folders) shift; flat_folders "$@" ;;
  flat-rename) shift; flat_rename "$@" ;;
  env) env_lines ;;
  seed) shift; seed "$@" ;;
  flag) shift; flag "$@" ;;
  expunge) shift; expunge "$@" ;;
  new-uidvalidity) shift; new_uidvalidity "$@" ;;
  reset) shift; reset "$@" ;;
  stop) ensure_user; stop ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
