#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A fake OVSDB server for OVN_Southbound that misbehaves in a different way on each
connection (malformed, oversize and truncated messages, wrong schemas, error replies, bad
updates, unanswered probes), then behaves on the last one. brint must count and log each,
reset the connection, reconnect, and end up synced.

usage: hostile_peer.py SOCKET SCHEMA PIDFILE LOGFILE"""

import copy
import json
import os
import socket
import sys
import time
import uuid

SOCK, SCHEMA_FILE, PIDFILE, LOGFILE = sys.argv[1:5]
with open(SCHEMA_FILE) as f:
    SCHEMA = json.load(f)
TXN_ID = "a1b2c3d4-0000-4000-8000-000000000001"
SBG = "5b000000-0000-4000-8000-000000000001"
INITIAL = {"SB_Global": {SBG: {"initial": {"nb_cfg": 3}}}}
logf = open(LOGFILE, "a", buffering=1)


def log(msg):
    logf.write("%s %s\n" % (time.strftime("%H:%M:%S"), msg))


class Closed(Exception):
    pass


class Conn:
    def __init__(self, s):
        self.s = s
        self.buf = ""
        self.dec = json.JSONDecoder()
        self.monitor_id = None
        self.answer_echo = True

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode())

    def send_raw(self, b):
        try:
            self.s.sendall(b)
        except OSError:
            raise Closed()

    def recv(self, timeout=10.0):
        """The next message, or None on timeout; Closed at EOF."""
        deadline = time.time() + timeout
        while True:
            txt = self.buf.lstrip()
            if txt:
                try:
                    obj, end = self.dec.raw_decode(txt)
                    self.buf = txt[end:]
                    return obj
                except ValueError:
                    pass
            left = deadline - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                return None
            except OSError:
                raise Closed()
            if not data:
                raise Closed()
            self.buf += data.decode("utf-8", "replace")

    def reply(self, msg, result):
        self.send({"id": msg["id"], "result": result, "error": None})

    def error(self, msg, err, details=""):
        self.send({"id": msg["id"], "result": None,
                   "error": {"error": err, "details": details}})

    def default(self, msg):
        """Answer like a sane ovsdb-server."""
        m, p = msg.get("method"), msg.get("params")
        if m is None:
            return
        if m == "echo":
            if self.answer_echo:
                self.reply(msg, p)
        elif m == "transact" and p and p[0] == "_Server":
            self.reply(msg, [{"rows": [{"name": "OVN_Southbound", "model": "standalone",
                                        "connected": True}]}])
        elif m == "get_schema":
            self.reply(msg, SCHEMA)
        elif m == "monitor_cond_since":
            self.monitor_id = p[1]
            self.reply(msg, [False, TXN_ID, INITIAL])
        elif m == "monitor_cond":
            self.monitor_id = p[1]
            self.reply(msg, INITIAL)
        elif m == "transact":
            res = []
            for op in p[1:]:
                if op.get("op") == "insert":
                    res.append({"uuid": ["uuid", str(uuid.uuid4())]})
                elif op.get("op") in ("update", "mutate", "delete"):
                    res.append({"count": 1})
                else:
                    res.append({})
            self.reply(msg, res)
        else:
            self.error(msg, "unknown method")

    def until(self, method, pred=None):
        """Serve normally until a request for `method` (returned, unanswered)."""
        while True:
            msg = self.recv()
            if msg is None:
                raise Closed()
            if msg.get("method") == method and (pred is None or pred(msg)):
                return msg
            self.default(msg)

    def sync(self):
        self.default(self.until("monitor_cond_since"))

    def drain(self, seconds):
        """Serve normally for a while."""
        end = time.time() + seconds
        while time.time() < end:
            msg = self.recv(max(0.05, end - time.time()))
            if msg is not None:
                self.default(msg)

    def wait_close(self, seconds=10):
        """Answer nothing; wait for the client to hang up."""
        end = time.time() + seconds
        while time.time() < end:
            self.recv(max(0.05, end - time.time()))
        raise RuntimeError("client did not close the connection")


def s_malformed_json(c):
    c.send_raw(b'{"method":"update3","params":[1,,2]}')
    c.wait_close()


def s_garbage_bytes(c):
    c.send_raw(b"\x00\xff\xfe garbage")
    c.wait_close()


def s_oversize(c):
    c.send_raw(b'{"method":"x","params":["' + b"a" * 200000 + b'"]}')
    c.wait_close()


def s_truncated(c):
    c.until("transact")
    c.send_raw(b'{"id":1,"result":[{"rows":[{"na')
    # closes here: the client holds half a message


def s_deep_nesting(c):
    c.send_raw(b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}")
    c.wait_close()


def s_not_jsonrpc(c):
    c.send({"hello": "world"})
    c.wait_close()


def s_schema_version(c):
    m = c.until("get_schema")
    s = copy.deepcopy(SCHEMA)
    s["version"] = "5.0.0"
    c.reply(m, s)
    c.wait_close()


def s_schema_missing_table(c):
    m = c.until("get_schema")
    s = copy.deepcopy(SCHEMA)
    del s["tables"]["Port_Binding"]
    c.reply(m, s)
    c.wait_close()


def s_schema_other_db(c):
    m = c.until("get_schema")
    s = copy.deepcopy(SCHEMA)
    s["name"] = "Open_vSwitch"
    c.reply(m, s)
    c.wait_close()


def s_get_schema_error(c):
    c.error(c.until("get_schema"), "unknown database", "not here")
    c.wait_close()


def s_not_serving_db(c):
    c.reply(c.until("transact"), [{"rows": []}])
    c.wait_close()


def s_cluster_member_disconnected(c):
    c.reply(c.until("transact"), [{"rows": [{"name": "OVN_Southbound",
                                              "model": "clustered", "connected": False}]}])
    c.wait_close()


def s_no_cond_since_then_unknown_column(c):
    c.error(c.until("monitor_cond_since"), "unknown method")
    m = c.until("monitor_cond")
    c.monitor_id = m["params"][1]
    c.reply(m, INITIAL)
    c.send({"method": "update2", "id": None,
            "params": [c.monitor_id, {"SB_Global": {SBG: {"modify": {"bogus": 1}}}}]})
    c.wait_close()


def s_bad_initial_rows(c):
    m = c.until("monitor_cond_since")
    c.reply(m, [False, TXN_ID, {"Port_Binding": {"not-a-uuid": {"initial": {}}}}])
    c.wait_close()


def s_bad_monitor_reply(c):
    m = c.until("monitor_cond_since")
    c.reply(m, {"found": False})
    c.wait_close()


def s_update_wrong_monitor_id(c):
    c.sync()
    c.send({"method": "update3", "id": None, "params": ["someone-else", TXN_ID, {}]})
    c.wait_close()


def s_update_modify_missing_row(c):
    c.sync()
    c.send({"method": "update3", "id": None,
            "params": [c.monitor_id, TXN_ID, {"Chassis": {str(uuid.uuid4()):
                                                           {"modify": {"hostname": "x"}}}}]})
    c.wait_close()


def s_txn_error_and_stray_reply(c):
    c.sync()
    m = c.until("transact", lambda m: m["params"][0] == "OVN_Southbound")
    c.reply(m, [{"error": "constraint violation", "details": "duplicate name"}])
    c.send({"id": 99999, "result": {}, "error": None})
    c.drain(1.5)  # the client stays connected through both


def s_unanswered_probe(c):
    c.sync()
    c.answer_echo = False
    c.wait_close(15)


def s_good(c):
    c.sync()
    while True:
        msg = c.recv(3600)
        if msg is not None:
            c.default(msg)


SCENARIOS = [
    s_malformed_json, s_garbage_bytes, s_oversize, s_truncated, s_deep_nesting, s_not_jsonrpc,
    s_schema_version, s_schema_missing_table, s_schema_other_db, s_get_schema_error,
    s_not_serving_db, s_cluster_member_disconnected, s_no_cond_since_then_unknown_column,
    s_bad_initial_rows, s_bad_monitor_reply, s_update_wrong_monitor_id,
    s_update_modify_missing_row, s_txn_error_and_stray_reply, s_unanswered_probe, s_good,
]


def main():
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(SOCK)
    srv.listen(4)
    with open(PIDFILE + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(PIDFILE + ".tmp", PIDFILE)
    for sc in SCENARIOS:
        s, _ = srv.accept()
        log("scenario %s" % sc.__name__)
        c = Conn(s)
        try:
            sc(c)
            log("scenario %s: done" % sc.__name__)
        except Closed:
            log("scenario %s: client closed" % sc.__name__)
        except RuntimeError as e:
            log("scenario %s: FAILED: %s" % (sc.__name__, e))
        finally:
            s.close()
    log("all scenarios served")


if __name__ == "__main__":
    main()
