#!/usr/bin/env python3
"""An HTTP proxy that adds a fixed delay to every request, in front of the local
AWS emulator, so that a benchmark sees what concurrency buys against a distant
endpoint (real AWS answers in tens of milliseconds; moto on 127.0.0.1 in about
four, and it serves requests nearly one at a time).

Each request is held for --delay milliseconds, then forwarded to --upstream and
its answer passed back. Requests are served on their own threads, so delays of
concurrent requests overlap as network latency would. Connections from the client
are kept alive (HTTP/1.1); each serving thread keeps its own connection upstream.

Usage: benches/latency_proxy.py --upstream http://127.0.0.1:PORT [--port 0]
       [--delay 50] [--port-file FILE]
Prints the port it listens on (and writes it to --port-file). Standard library
only (Python 3.11). Not part of the test suite.
"""

import argparse
import http.client
import http.server
import sys
import threading
import time
import urllib.parse

# Headers that belong to one connection, not to the request or answer.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
}


def make_handler(upstream_host, upstream_port, delay_seconds):
    local = threading.local()

    def upstream():
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(upstream_host, upstream_port, timeout=60)
            local.connection = connection
        return connection

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # The status line and headers go out before the body; without TCP_NODELAY,
        # Nagle's algorithm and the client's delayed ACK would hold the body back
        # for tens of milliseconds on every answer.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def relay(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            time.sleep(delay_seconds)
            for attempt in range(2):
                connection = upstream()
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    payload = answer.read()
                    break
                except (http.client.HTTPException, OSError):
                    connection.close()
                    local.connection = None
                    if attempt == 1:
                        self.send_error(502, "the emulator did not answer")
                        return
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = relay

    return Handler


class Server(http.server.ThreadingHTTPServer):
    # Room for every connection a client opens at once (the default is 5, beyond
    # which new connections wait for the kernel to retry them).
    request_queue_size = 256
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="http://HOST:PORT of the emulator")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free one)")
    parser.add_argument("--delay", type=float, default=50.0, help="milliseconds added to every request")
    parser.add_argument("--port-file", help="write the port here once listening")
    args = parser.parse_args()

    target = urllib.parse.urlsplit(args.upstream)
    handler = make_handler(target.hostname, target.port or 80, args.delay / 1000.0)
    server = Server(("127.0.0.1", args.port), handler)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file, "w") as out:
            out.write(f"{port}\n")
    print(port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
