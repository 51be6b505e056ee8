"""Block every non-loopback network connection in processes started by the tests.

The test run puts this folder on PYTHONPATH, so Python imports this module at
start-up in pytest itself and in every kernel it spawns (notebook kernels talk
to their client over loopback, which stays allowed). A blocked attempt raises
``NetworkBlockedError`` at once, naming the address, instead of hanging.

This is the layer that gives a clear error. It covers the standard library's
socket APIs: ``socket`` and the C module ``_socket`` under it (connect,
connect_ex, sendto, sendmsg) and every name lookup (getaddrinfo, gethostbyname,
gethostbyname_ex, gethostbyaddr, getnameinfo). It cannot stop ctypes, native
extensions or a ``python -I`` child (which ignores PYTHONPATH): the fence for
those is the network namespace that ``offline.py`` (next to this file) puts the
test run and the book build in.
"""

import _socket
import ipaddress
import socket

_LOOPBACK_NAMES = {"localhost", "ip6-localhost", "ip6-loopback"}
_INET = (socket.AF_INET, socket.AF_INET6)


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
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # any other host name would need the network


def _refuse(what) -> None:
    raise NetworkBlockedError(f"network access blocked during tests: {what}")


def _guard_address(method, position):
    """Wrap a socket method whose argument ``position`` (from the end if < 0) is an
    address; calls without an address (send on a connected socket) pass."""

    def guarded(self, *args):
        index = position if position >= 0 else len(args) + position
        if self.family in _INET and 0 <= index < len(args):
            if not _is_local(args[index]):
                _refuse(f"{args[index]!r} is not loopback")
        return method(self, *args)

    guarded.__name__ = method.__name__
    guarded.netguard = True
    return guarded


def _guard_lookup(lookup, host_of):
    """Wrap a name-lookup function; ``host_of(args)`` is the host it would resolve."""

    def guarded(*args, **kwargs):
        host = host_of(args, kwargs)
        if host is not None and not _is_local((host,)):
            _refuse(f"looking up {host!r}")
        return lookup(*args, **kwargs)

    guarded.__name__ = lookup.__name__
    guarded.netguard = True
    return guarded


def _first(args, kwargs):
    return args[0] if args else kwargs.get("host")


def _sockaddr_host(args, kwargs):
    sockaddr = args[0] if args else kwargs.get("sockaddr")
    return sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else None


_METHODS = {"connect": 0, "connect_ex": 0, "sendto": -1, "sendmsg": 3}
_LOOKUPS = {
    "getaddrinfo": _first,
    "gethostbyname": _first,
    "gethostbyname_ex": _first,
    "gethostbyaddr": _first,
    "getnameinfo": _sockaddr_host,
}


def _guarded_c_socket(original):
    """A stand-in for ``_socket.socket`` whose methods are guarded.

    The C type itself cannot be patched, so the module attribute is replaced by
    a subclass (an isinstance check against it still accepts every socket).
    ``_socket.socket.connect(sock, address)`` then goes through the guard.
    """

    class _Meta(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, original)

        def __subclasscheck__(cls, sub):
            return issubclass(sub, original)

    namespace = {
        name: _guard_address(getattr(original, name), position)
        for name, position in _METHODS.items()
    }
    return _Meta(original.__name__, (original,), namespace)


def install() -> None:
    """Install the guard in this process (once)."""
    if hasattr(socket, "NETWORK_GUARD"):
        return
    for name, position in _METHODS.items():
        method = getattr(socket.socket, name)
        setattr(socket.socket, name, _guard_address(method, position))
    for module in (socket, _socket):  # socket's getaddrinfo wraps _socket's
        for name, host_of in _LOOKUPS.items():
            setattr(module, name, _guard_lookup(getattr(module, name), host_of))
    _socket.socket = _socket.SocketType = _guarded_c_socket(_socket.socket)
    socket.NETWORK_GUARD = NetworkBlockedError  # lets a test see the guard is active


install()
