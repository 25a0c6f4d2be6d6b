#!/usr/bin/env python3
"""ctl-hang-proxy.py LISTEN REAL FREEZE_CMD: a session daemon that stops answering.

Listens on LISTEN (a path ending in client-lttng-sessiond, bind-mounted
over the daemon's client socket in a private mount namespace) and relays
each liblttng-ctl connection to the real daemon's socket REAL, until a
connection whose command (the first 32 bits of lttcomm_session_msg) is
FREEZE_CMD, or REAL is "none": from then on every connection is accepted,
read and never answered, as lttng-sessiond did when its consumer daemon
hung. Writes LISTEN.ready once listening.
"""
import socket
import struct
import sys
import threading

listen, real, freeze = sys.argv[1], sys.argv[2], int(sys.argv[3])
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(listen)
server.listen(64)
open(listen + ".ready", "w").close()
frozen = real == "none"
held = []


def pump(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


while True:
    client, _ = server.accept()
    first = client.recv(65536)
    cmd = struct.unpack("<I", first[:4])[0] if len(first) >= 4 else -1
    if frozen or cmd == freeze:
        frozen = True
        held.append(client)
        continue
    daemon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # liblttng-ctl sends its credentials with every command and the daemon
    # checks them against the session's owner. Relayed, they are the
    # kernel's, attached only if a side of the connection has SO_PASSCRED
    # set: the daemon sets it right after accept(), so a command sent in
    # between arrived with none (uid 65534, "Permission denied"), now and
    # then under load. Set on this side, every message carries ours.
    daemon.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    daemon.connect(real)
    daemon.sendall(first)
    threading.Thread(target=pump, args=(client, daemon), daemon=True).start()
    threading.Thread(target=pump, args=(daemon, client), daemon=True).start()
