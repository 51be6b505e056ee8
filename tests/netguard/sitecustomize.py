"""Block every non-loopback network connection in processes started by the tests.

The test run puts this folder on PYTHONPATH, so Python imports this module at
start-up in pytest itself and in every kernel it spawns (notebook kernels talk
to their client over loopback, which stays allowed). A blocked attempt raises
``NetworkBlockedError`` at once, naming the address, instead of hanging.
"""

import ipaddress
import socket

_LOOPBACK_NAMES = {"localhost", "ip6-localhost", "ip6-loopback"}


class NetworkBlockedError(ConnectionRefusedError):
    """Raised for a connection to anything but this machine."""


def _is_local(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and abstract sockets
        return True
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host in _LOOPBACK_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # any other host name would need the network


def _guard(method):
    def guarded(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise NetworkBlockedError(
                f"network access blocked during tests: {address!r} is not loopback"
            )
        return method(self, address, *args)

    guarded.__name__ = method.__name__
    return guarded


def _guard_lookup(getaddrinfo):
    def guarded_getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_local((host,)):
            raise NetworkBlockedError(
                f"network access blocked during tests: looking up {host!r}"
            )
        return getaddrinfo(host, *args, **kwargs)

    return guarded_getaddrinfo


def _guard_sendto(method):
    def sendto(self, data, *args):
        address = args[-1]
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise NetworkBlockedError(
                f"network access blocked during tests: {address!r} is not loopback"
            )
        return method(self, data, *args)

    return sendto


if not hasattr(socket, "NETWORK_GUARD"):  # install once per process
    socket.socket.connect = _guard(socket.socket.connect)
    socket.socket.connect_ex = _guard(socket.socket.connect_ex)
    socket.socket.sendto = _guard_sendto(socket.socket.sendto)
    socket.getaddrinfo = _guard_lookup(socket.getaddrinfo)
    socket.NETWORK_GUARD = (
        NetworkBlockedError  # lets a test see that the guard is active
    )
