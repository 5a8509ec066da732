# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake Elasticsearch on 127.0.0.1 that misbehaves on purpose, for espcap's tests.

It answers `GET /` and the index template like a real node, so espcap gets as far as
sending documents, then answers each `_bulk` request the way `bulk` says:

    garbage         bytes that are not HTTP, then a close
    half_close      a 200 header promising a body, half of it, then a close
    malformed_200   a complete 200 whose body is not valid JSON
    wrong_items     a valid bulk reply with one item fewer than documents sent
    huge_200        a 200 whose (valid-looking) body is 100 MB long
    trickle         a 200 header, then one body byte every 0.2 s for ever
    silent          reads the request and never answers
    reject_all      a valid reply refusing every document with status 400
    always_413      413 Request Entity Too Large, however small the request
    always_429      429 Too Many Requests, for ever
    echo_request    400 whose body quotes the request's headers, Authorization included,
                    between terminal escapes and other control bytes
    echo_in_items   a valid reply refusing every document with an error that quotes the
                    request's headers (JSON-escaped) and control characters

    accept_all      a valid reply indexing every document

`probe="silent"` makes `GET /` itself go unanswered, `probe="status_503"` answers it 503
(a node starting), `probe="status_405_everywhere"` answers every request 405 (a server
that is no Elasticsearch, or a wrong path prefix). `template="status_500"` or `"silent"` does the same to the index
template install, and `mapping="status_502"` to index creation and mapping calls (a
proxy whose node is away). `forward=URL` passes every request to a real Elasticsearch
and its reply back, except that the reply of the first `drop_bulk_replies` bulk
requests is dropped after Elasticsearch got them (a lost reply); each reply then says
"Connection: close", so libcurl never resends a request on its own. With `credentials` set, every
request must carry them (basic or ApiKey), or gets 401. `mapping="empty_indices"`
answers index creation and mapping calls like an empty index would; `mapping=
"down_at_first_read"` does too, except that the first read of an index's mapping finds
the node gone: that request and every one in the next DOWN_SECONDS get the connection
closed without a reply; `mapping="deep"` answers each read of a mapping with
DEEP_MAPPING_LEVELS nested objects. `requests` lists
every "METHOD /path" answered, in order.

    with HostileServer(bulk="garbage") as server:
        run tshark with -X espcap:node=server.node
"""
import base64
import gzip
import json
import socket
import socketserver
import threading
import time
import urllib.error
import urllib.request

HUGE_REPLY_BYTES = 100 * 1024 * 1024
DOWN_SECONDS = 1.5
DEEP_MAPPING_LEVELS = 200_000  # mapping="deep": nested objects in the _mapping reply
ROOT_REPLY = json.dumps({"name": "hostile", "version": {"number": "8.8.2"}, "tagline": "You Know, for Search"})


class HostileServer:
    def __init__(self, bulk="accept_all", probe="normal", credentials=None, mapping="none", template="normal",
                 forward=None, drop_bulk_replies=0):
        self.bulk = bulk
        self.probe = probe
        self.mapping = mapping
        self.template = template
        self.forward = forward
        self.drop_bulk_replies = drop_bulk_replies
        self.requests = []
        self.down_until = None  # while set and not past, every request is dropped
        self.expected_authorization = credentials
        self.bulk_requests = 0
        self.bulk_headers = {}  # of the last bulk request
        self.stopping = threading.Event()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    outer.serve_connection(self.request)
                except (OSError, ValueError):
                    pass  # the client gave up on us, which is what these tests provoke

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.node = f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    # --- HTTP, just enough of it -------------------------------------------------------

    def serve_connection(self, sock):
        reader = sock.makefile("rb")
        while not self.stopping.is_set():
            request_line = reader.readline()
            if not request_line:
                return
            method, path, _ = request_line.decode("latin-1").split(" ", 2)
            headers = {}
            while True:
                line = reader.readline().decode("latin-1").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = reader.read(int(headers.get("content-length", "0")))
            if headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            if not self.answer(sock, method, path, headers, body):
                return

    @staticmethod
    def reply(sock, status, body, content_type="application/json", close=False):
        data = body.encode() if isinstance(body, str) else body
        sock.sendall(f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
                     f"{'Connection: close' + chr(13) + chr(10) if close else ''}"
                     f"Content-Length: {len(data)}\r\n\r\n".encode() + data)

    def forward_request(self, sock, method, path, headers, body):
        """Passes the request to the real node; drops the reply of the first bulk ones."""
        request = urllib.request.Request(self.forward + path, data=body if body else None, method=method,
                                         headers={"Content-Type": headers.get("content-type", "application/json")})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, data, content_type = response.status, response.read(), response.headers["Content-Type"]
        except urllib.error.HTTPError as error:
            status, data, content_type = error.code, error.read(), error.headers["Content-Type"]
        if method == "POST" and path.startswith("/_bulk"):
            self.bulk_requests += 1
            if self.bulk_requests <= self.drop_bulk_replies:
                return False  # Elasticsearch has the documents; the client never learns it
        self.reply(sock, status, data, content_type or "application/json", close=True)
        return False

    def wait_until_client_leaves(self, sock):
        sock.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                if sock.recv(65536) == b"":
                    return
            except socket.timeout:
                continue

    def answer(self, sock, method, path, headers, body):
        """Answers one request; False closes the connection."""
        if self.down_until is not None and time.monotonic() < self.down_until:
            return False
        self.requests.append(f"{method} {path}")
        if self.expected_authorization and headers.get("authorization") != self.expected_authorization:
            self.reply(sock, 401, '{"error":"unauthorized"}')
            return True
        if self.forward:
            return self.forward_request(sock, method, path, headers, body)
        if self.probe == "status_405_everywhere":
            self.reply(sock, 405, '{"error":"Incorrect HTTP method","status":405}')
            return True
        if method == "GET" and path == "/":
            if self.probe == "silent":
                self.wait_until_client_leaves(sock)
                return False
            if self.probe == "status_503":
                self.reply(sock, 503, '{"error":{"type":"master_not_discovered_exception"},"status":503}')
                return True
            self.reply(sock, 200, ROOT_REPLY)
            return True
        if method == "PUT" and path.startswith("/_index_template/"):
            if self.template == "silent":
                self.wait_until_client_leaves(sock)
                return False
            if self.template == "status_500":
                self.reply(sock, 500, '{"error":{"type":"process_cluster_event_timeout_exception"},"status":500}')
                return True
            self.reply(sock, 200, '{"acknowledged":true}')
            return True
        if self.mapping in ("empty_indices", "down_at_first_read", "deep") and not path.startswith("/_"):
            return self.answer_index_call(sock, method, path)
        if self.mapping == "status_502" and not path.startswith("/_"):
            self.reply(sock, 502, "<html>502 Bad Gateway</html>", "text/html")
            return True
        if method == "POST" and path.startswith("/_bulk"):
            self.bulk_requests += 1
            documents = len([line for line in body.splitlines() if line.strip()]) // 2
            self.bulk_headers = headers
            return getattr(self, "bulk_" + self.bulk)(sock, documents)
        self.reply(sock, 404, '{"error":"no such thing"}')
        return True

    def answer_index_call(self, sock, method, path):
        index, _, rest = path[1:].partition("/")
        if method == "GET" and rest == "_mapping":
            if self.mapping == "down_at_first_read" and self.down_until is None:
                self.requests.pop()  # not answered
                self.down_until = time.monotonic() + DOWN_SECONDS
                return False
            if self.mapping == "deep":  # issue 27: about 4 MB, under the reply cap
                levels = DEEP_MAPPING_LEVELS
                properties = '{"a":{"properties":' * levels + "{}" + "}}" * levels
                self.reply(sock, 200, '{"%s":{"mappings":{"properties":%s}}}' % (index, properties))
            else:
                self.reply(sock, 200, json.dumps({index: {"mappings": {}}}))
        elif method == "GET" and rest.startswith("_settings"):
            self.reply(sock, 200, json.dumps({index: {"settings": {}}}))
        else:  # PUT /index, PUT /index/_mapping, PUT /index/_settings
            self.reply(sock, 200, '{"acknowledged":true}')
        return True

    # --- the misbehaviours, one per `bulk` value ----------------------------------------

    def bulk_garbage(self, sock, documents):
        sock.sendall(b"\x00\xff\xfeNOT HTTP AT ALL\r\n\r\n\x1b[31m" + bytes(range(256)))
        return False

    def bulk_half_close(self, sock, documents):
        body = json.dumps({"errors": False, "items": [{"create": {"status": 201}}] * documents}).encode()
        sock.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body[: len(body) // 2])
        sock.shutdown(socket.SHUT_WR)
        return False

    def bulk_malformed_200(self, sock, documents):
        self.reply(sock, 200, '{"errors":false,"items":[{"create":{"status":201}}' + ',{"create":' * documents)
        return True

    def bulk_wrong_items(self, sock, documents):
        items = [{"create": {"status": 201}}] * max(documents - 1, 0)
        self.reply(sock, 200, json.dumps({"errors": False, "items": items}))
        return True

    def bulk_huge_200(self, sock, documents):
        item = b'{"create":{"status":201}},'
        sock.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {HUGE_REPLY_BYTES}\r\n\r\n".encode() + b'{"errors":false,"items":[')
        block = item * (1024 * 1024 // len(item))
        sent = 25
        while sent + len(block) <= HUGE_REPLY_BYTES:
            sock.sendall(block)
            sent += len(block)
        sock.sendall(b" " * (HUGE_REPLY_BYTES - sent))
        return True

    def bulk_trickle(self, sock, documents):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
        while not self.stopping.is_set():
            sock.sendall(b" ")
            time.sleep(0.2)
        return False

    def bulk_silent(self, sock, documents):
        self.wait_until_client_leaves(sock)
        return False

    def bulk_reject_all(self, sock, documents):
        error = {"type": "mapper_parsing_exception", "reason": "failed to parse field [layers] (hostile test)"}
        items = [{"create": {"status": 400, "error": error}}] * documents
        self.reply(sock, 200, json.dumps({"errors": True, "items": items}))
        return True

    def bulk_always_413(self, sock, documents):
        self.reply(sock, 413, "<html>413 Request Entity Too Large</html>", "text/html")
        return True

    def bulk_accept_all(self, sock, documents):
        self.reply(sock, 200, json.dumps({"errors": False, "items": [{"create": {"status": 201}}] * documents}))
        return True

    def bulk_always_429(self, sock, documents):
        self.reply(sock, 429, '{"error":{"type":"es_rejected_execution_exception"},"status":429}')
        return True


    # What a terminal would obey: set the window title, clear the screen, ring, and a
    # carriage return that lets the rest overwrite the line.
    CONTROL_BYTES = "\x1b]0;owned\x07\x1b[2J\x1b[31m\rforged\x9b1m\x00"

    def echoed_headers(self):
        return "".join(f"{name}: {value}\r\n" for name, value in self.bulk_headers.items())

    def bulk_echo_request(self, sock, documents):
        self.reply(sock, 400, ("you sent:\r\n" + self.echoed_headers() + self.CONTROL_BYTES).encode("latin-1"),
                   "text/plain")
        return True

    def bulk_echo_in_items(self, sock, documents):
        error = {"type": "illegal_argument_exception",
                 "reason": "request headers " + json.dumps(self.bulk_headers) + self.CONTROL_BYTES}
        items = [{"create": {"status": 400, "error": error}}] * documents
        self.reply(sock, 200, json.dumps({"errors": True, "items": items}))
        return True


def basic_authorization(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
