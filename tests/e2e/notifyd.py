#!/usr/bin/python3
"""A stand-in desktop notification service (org.freedesktop.Notifications) for the private
D-Bus session of the end-to-end tests: it records every notification the app posts, one JSON
object per line in DIR/notifications.jsonl, and "clicks" one when a file DIR/click-ID appears
(it emits ActionInvoked(ID, "default") and then NotificationClosed, as a real desktop does).

Run with Debian's python3 (python3-gi): /usr/bin/python3 tests/e2e/notifyd.py DIR
"""
import json
import os
import sys

from gi.repository import Gio, GLib

XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>
"""
PATH = "/org/freedesktop/Notifications"
IFACE = "org.freedesktop.Notifications"

out_dir = sys.argv[1]
log_path = os.path.join(out_dir, "notifications.jsonl")
state = {"next": 1, "conn": None, "open": set()}


def signal(name, args):
    state["conn"].emit_signal(None, PATH, IFACE, name, args)


def on_call(conn, sender, path, iface, method, params, invocation):
    if method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["actions", "body"],)))
    elif method == "GetServerInformation":
        invocation.return_value(GLib.Variant("(ssss)", ("inkorg-test-notifyd", "inkorg", "1", "1.2")))
    elif method == "Notify":
        app, replaces, icon, summary, body, actions, hints, timeout = params.unpack()
        nid = replaces or state["next"]
        state["next"] = max(state["next"], nid + 1)
        state["open"].add(nid)
        record = {"id": nid, "app": app, "summary": summary, "body": body, "actions": actions,
                  "icon": icon, "category": hints.get("category")}
        with open(log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        invocation.return_value(GLib.Variant("(u)", (nid,)))
    elif method == "CloseNotification":
        (nid,) = params.unpack()
        if nid in state["open"]:
            state["open"].discard(nid)
            signal("NotificationClosed", GLib.Variant("(uu)", (nid, 3)))
        invocation.return_value(None)


def poll_clicks():
    for name in os.listdir(out_dir):
        if name.startswith("click-"):
            os.remove(os.path.join(out_dir, name))
            nid = int(name[len("click-"):])
            signal("ActionInvoked", GLib.Variant("(us)", (nid, "default")))
            state["open"].discard(nid)
            signal("NotificationClosed", GLib.Variant("(uu)", (nid, 2)))
    return True


def on_bus(conn, name):
    state["conn"] = conn
    info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
    conn.register_object(PATH, info, on_call, None, None)


def on_name(conn, name):
    open(os.path.join(out_dir, "ready"), "w").close()


Gio.bus_own_name(Gio.BusType.SESSION, IFACE, Gio.BusNameOwnerFlags.NONE, on_bus, on_name,
                 lambda *_: sys.exit("notifyd: the name was taken"))
GLib.timeout_add(150, poll_clicks)
GLib.MainLoop().run()
