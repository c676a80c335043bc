"""Which endpoint URLs the product talks to: HTTPS for every real host, plain HTTP only to
this machine's loopback (the sandbox simulators).

The URL is parsed, never searched: `http://127.0.0.1.nip.io`, `http://127.0.0.1@192.0.2.10`
and `http://192.0.2.10/127.0.0.1` all name another host, and are refused as plain HTTP.
Loopback is `localhost`, 127.0.0.0/8 and ::1. A URL with a user or password in it is refused
(credentials travel in headers, never in a URL that ends up in logs), as is any scheme but
http and https.
"""

import ipaddress
from urllib.parse import urlsplit

SCHEMES = ("http", "https")


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback(url: str) -> bool:
    """True when `url` is a well-formed http(s) URL whose host is this machine."""
    try:
        checked_endpoint(url, "url")
    except ValueError:
        return False
    return is_loopback_host(urlsplit(url).hostname)


def checked_endpoint(url: str, name: str) -> str:
    """`url` if it is an endpoint the product may use, else ValueError naming `name`."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as error:
        raise ValueError(f"{name}: {url!r} is not a URL ({error})") from None
    if parts.scheme not in SCHEMES:
        raise ValueError(f"{name}: {url!r} must be an https:// URL")
    if not parts.hostname:
        raise ValueError(f"{name}: {url!r} names no host")
    if _userinfo(url):
        raise ValueError(f"{name}: {url!r} must not carry a user or password")
    if parts.scheme != "https" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"{name}: {url!r} must be HTTPS (plain http only to 127.0.0.1, ::1 or localhost)"
        )
    return url


def _userinfo(url: str) -> bool:
    return "@" in urlsplit(url).netloc
