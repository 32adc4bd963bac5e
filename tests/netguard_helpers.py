"""A stand-in for the internet at the address guard's two edges (core/netguard.py).

The tests' servers listen on 127.0.0.1, which the guard rightly refuses. Instead of a
switch that turns the guard off, the tests give it a network of their own: names
under test.example resolve to public addresses (93.184.216.x), and a connection to
one of those addresses is dialled to the local server that plays that site. Every
check of the guard still runs on every hop; only DNS and the wire are replaced, the
way the social platforms are the edge elsewhere. A URL that names 127.0.0.1 (or any
internal address) directly is resolved and refused exactly as in production.
"""

import socket

from core.netguard import Guard, system_dial, system_resolve


class Internet:
    def __init__(self):
        self.names = {}  # test name -> the public address it resolves to
        self.sites = {}  # public address -> the local (host, port) that plays it
        self.resolved = []  # every name asked for, in order
        self.dialled = []  # every (address, port) dialled, in order
        self.guard = Guard(resolve=self.resolve, dial=self.dial)

    def add(self, name, local):
        """Let http://`name`/ reach the server at `local` (host, port); returns that base
        URL."""
        address = self.names.get(name) or f"93.184.216.{len(self.names) + 10}"
        self.names[name] = address
        self.sites[address] = local
        return f"http://{name}"

    def resolve(self, host):
        self.resolved.append(host)
        if host in self.names:
            return [self.names[host]]
        if host.endswith(".test.example"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return system_resolve(host)  # addresses and localhost resolve as usual

    def dial(self, address, port, timeout):
        self.dialled.append((address, port))
        if address in self.sites:
            return socket.create_connection(self.sites[address], timeout=timeout)
        return system_dial(address, port, timeout)
