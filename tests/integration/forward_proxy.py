# SPDX-License-Identifier: GPL-2.0-or-later
"""A small HTTP forward proxy on 127.0.0.1 that records what passes through it, for
espcap's proxy tests. It forwards every request to 127.0.0.1, whatever host the client
named (so a test can use a name that only the proxy knows, and traffic stays on the
loopback), and answers CONNECT by tunnelling to 127.0.0.1 as well.

    with ForwardProxy() as proxy:
        env["http_proxy"] = proxy.url
        ...
        proxy.requests     # [(method, target, {header: value})], in order

Each recorded header set is what the proxy could read; a CONNECT tunnel's bytes are
relayed, not read.
"""
import select
import socket
import socketserver
import threading
from urllib.parse import urlsplit


class ForwardProxy:
    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                try:
                    outer.serve(self.rfile, self.connection)
                except (OSError, ValueError):
                    pass  # a client or server that went away

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def seen(self):
        with self.lock:
            return list(self.requests)

    def serve(self, reader, client):
        while True:
            request_line = reader.readline()
            if not request_line:
                return
            method, target, version = request_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
            raw_headers, headers = [], {}
            while True:
                line = reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                raw_headers.append(line)
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            with self.lock:
                self.requests.append((method, target, headers))
            if method == "CONNECT":
                port = int(target.rsplit(":", 1)[1])
                upstream = socket.create_connection(("127.0.0.1", port), timeout=30)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.relay(reader, client, upstream)
                return
            parts = urlsplit(target)
            body = reader.read(int(headers.get("content-length", "0")))
            with socket.create_connection(("127.0.0.1", parts.port or 80), timeout=60) as upstream:
                path = parts.path + (("?" + parts.query) if parts.query else "")
                kept = [h for h in raw_headers if not h.lower().startswith((b"proxy-", b"connection:"))]
                upstream.sendall(f"{method} {path or '/'} {version}\r\n".encode() + b"".join(kept) +
                                 b"Connection: close\r\n\r\n" + body)
                client.sendall(self.read_reply(upstream.makefile("rb")))
            # One request per connection keeps this proxy simple; clients reconnect.
            return

    @staticmethod
    def read_reply(upstream):
        """One whole HTTP reply, its headers rewritten to close the connection after it.
        A reply without Content-Length (chunked) ends where the server, asked to close,
        closes."""
        status_line = upstream.readline()
        headers, length = [], None
        while True:
            line = upstream.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name = line.split(b":", 1)[0].strip().lower()
            if name == b"content-length":
                length = int(line.split(b":", 1)[1])
            if name not in (b"connection", b"keep-alive"):
                headers.append(line)
        body = upstream.read(length) if length is not None else upstream.read()
        return status_line + b"".join(headers) + b"Connection: close\r\n\r\n" + body

    @staticmethod
    def relay(reader, client, upstream):
        pending = reader.peek() if hasattr(reader, "peek") else b""
        if pending:
            upstream.sendall(reader.read(len(pending)))
        with upstream:
            while True:
                ready, _, _ = select.select([client, upstream], [], [], 60)
                if not ready:
                    return
                for source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is client else client).sendall(data)
