"""A small Socket Mode server on 127.0.0.1: what Slack's side of the WebSocket does, enough for
tests. The fake Web API hands out its URL from apps.connections.open (`fake.socket_url`).

Each connection gets `hello`; a test pushes envelopes (slash_commands, interactive, events_api)
with `send()` and waits for their acknowledgement with `ack()`, which also says how long the bot
took; `drop()` cuts the connection as Slack does when it refreshes one, and the bot must connect
again (a new apps.connections.open, a new `hello`). WebSocket framing per RFC 6455: frames from
the client are masked, ours are not; pings get pongs.
"""
from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
import uuid

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketMode:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=test"
        self._lock = threading.Condition()
        self._connections: list[socket.socket] = []
        self._sent: dict[str, float] = {}
        self._acks: dict[str, tuple[dict, float]] = {}
        self._stopping = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    # -- what a test does ---------------------------------------------------------------------

    def wait_connected(self, count: int = 1, timeout: float = 15.0) -> None:
        """Until the bot has opened `count` connections in all (each has been sent `hello`)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._connections) >= count, timeout):
                raise AssertionError(f"the bot opened {len(self._connections)} Socket Mode connection(s), not {count}")

    def send(self, kind: str, payload: dict) -> str:
        """An envelope on the newest connection; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        frame = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                 "accepts_response_payload": kind != "events_api", "retry_attempt": 0, "retry_reason": ""}
        with self._lock:
            conn = self._connections[-1]
            self._sent[envelope_id] = time.monotonic()
        _send_frame(conn, TEXT, json.dumps(frame).encode())
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 5.0) -> tuple[dict, float]:
        """(the acknowledgement, seconds from sending the envelope to it)."""
        with self._lock:
            if not self._lock.wait_for(lambda: envelope_id in self._acks, timeout):
                raise AssertionError(f"envelope {envelope_id} was not acknowledged within {timeout} s")
            ack, at = self._acks[envelope_id]
            return ack, at - self._sent[envelope_id]

    def drop(self) -> None:
        """Close the newest connection without a word, as a network failure would."""
        with self._lock:
            conn = self._connections[-1]
        conn.shutdown(socket.SHUT_RDWR)
        conn.close()

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except OSError:
                    pass

    # -- the server -----------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if not _handshake(conn):
                conn.close()
                return
            _send_frame(conn, TEXT, json.dumps({"type": "hello", "num_connections": 1,
                                                "debug_info": {"host": "fake"}}).encode())
            with self._lock:
                self._connections.append(conn)
                self._lock.notify_all()
            while not self._stopping.is_set():
                opcode, data = _read_frame(conn)
                if opcode == PING:
                    _send_frame(conn, PONG, data)
                elif opcode == TEXT:
                    message = json.loads(data)
                    with self._lock:
                        self._acks[message["envelope_id"]] = (message, time.monotonic())
                        self._lock.notify_all()
                elif opcode == CLOSE:
                    _send_frame(conn, CLOSE, data[:2])
                    return
        except (OSError, ConnectionError):
            return  # dropped, by the bot or by drop()


def _handshake(conn: socket.socket) -> bool:
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        request += chunk
    headers = dict(line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line)
    key = {k.lower(): v for k, v in headers.items()}.get("sec-websocket-key", "")
    accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
    conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
    return True


def _recv_exactly(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(conn: socket.socket) -> tuple[int, bytes]:
    first, second = _recv_exactly(conn, 2)
    opcode, length = first & 0x0F, second & 0x7F
    if length == 126:
        length = struct.unpack("!H", _recv_exactly(conn, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", _recv_exactly(conn, 8))[0]
    mask = _recv_exactly(conn, 4) if second & 0x80 else b"\0\0\0\0"
    payload = _recv_exactly(conn, length)
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _send_frame(conn: socket.socket, opcode: int, payload: bytes) -> None:
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    conn.sendall(header + payload)
