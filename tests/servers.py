"""Tiny local TCP servers for fault tests: a black hole (accepts and never answers) and
a plain SMTP server that keeps what it receives. Each counts the connections it got."""

import socket
import threading


class TcpServer:
    """Listens on 127.0.0.1 at a free port and hands each connection to `handle` in a
    thread of its own. A black hole unless `handle` is given: it holds the connection
    open and never sends a byte."""

    def __init__(self, handle=None):
        self.handle = handle or self._hold
        self.connections = 0
        self._stop = threading.Event()
        self._open = []
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        for conn in self._open:
            conn.close()
        self._socket.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            self.handle(conn)
        except OSError:
            pass

    def _hold(self, conn):
        self._stop.wait()


class SmtpServer(TcpServer):
    """Speaks just enough SMTP for Django's backend; `messages` holds each DATA part."""

    def __init__(self):
        super().__init__(self._smtp)
        self.messages = []

    def _smtp(self, conn):
        reader = conn.makefile("rb")

        def reply(line):
            conn.sendall(line.encode() + b"\r\n")

        reply("220 localhost ESMTP test")
        while line := reader.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                reply("250 localhost")
            elif command == "DATA":
                reply("354 go ahead")
                data = []
                while (part := reader.readline()) not in (b".\r\n", b""):
                    data.append(part)
                self.messages.append(b"".join(data).decode())
                reply("250 OK queued")
            elif command == "QUIT":
                reply("221 bye")
                return
            else:
                reply("250 OK")
