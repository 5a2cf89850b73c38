"""Outbound HTTP to addresses clients give us (webhooks), without reaching inside the network.

A client-supplied URL could point at the cloud metadata service, the database port on
loopback or a private admin page (server-side request forgery). ``check_url`` refuses such
URLs when they are registered; ``pinned_target`` resolves the host again at send time,
checks *every* address it resolves to, and returns the one address the connection must use,
so a DNS answer that changes between the check and the connect (rebinding) cannot move the
request to an internal address. Private destinations pass only when the operator lists them
in ``webhooks.egress_allow`` (host names or networks such as ``127.0.0.1/32``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from idp.errors import InputError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = ("http", "https")
METADATA_HOSTS = frozenset(
    {
        "localhost",
        "metadata",
        "metadata.google.internal",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
"""Names that mean this machine or a cloud metadata service, refused whatever they resolve to."""


class EgressRefused(InputError):
    """A destination the egress policy does not allow."""

    category = "egress-refused"


@dataclass(frozen=True)
class EgressPolicy:
    """Which destinations outbound requests may reach beyond the public internet."""

    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IpNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> EgressPolicy:
        """A policy from setting entries: each a host name or an IP network/address."""
        hosts: set[str] = set()
        networks: list[IpNetwork] = []
        for entry in entries:
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def address_allowed(self, ip: IpAddress) -> bool:
        """Whether connecting to ``ip`` is allowed: public, or named by the allow-list."""
        if any(ip in net for net in self.allowed_networks if net.version == ip.version):
            return True
        if isinstance(ip, ipaddress.IPv6Address):
            embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
            if embedded is not None:
                return self.address_allowed(embedded)
        return ip.is_global and not ip.is_multicast


def _parse(url: str) -> tuple[SplitResult, str]:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise EgressRefused(f"the URL is not valid: {exc}") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise EgressRefused("only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None:
        raise EgressRefused("URLs with a user name or password are not allowed")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise EgressRefused("the URL has no host")
    return parts, host


def _literal_ip(host: str) -> IpAddress | None:
    """The address ``host`` is written as, refusing the legacy forms (decimal ``2130706433``,
    octal ``0177.0.0.1``, hex ``0x7f.1``, short ``127.1``) that some resolvers accept."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
    except OSError:
        pass
    else:
        raise EgressRefused("IP addresses must be written in the usual dotted form")
    if ":" in host or "%" in host:
        raise EgressRefused("the host is not a valid IP address")
    labels = host.split(".")
    if labels[-1].isdigit() or labels[-1].startswith("0x"):
        raise EgressRefused("the host is neither a DNS name nor an IP address")
    return None


def _refuse_name(host: str, policy: EgressPolicy) -> None:
    if host in policy.allowed_hosts:
        return
    if host in METADATA_HOSTS or host.endswith(".localhost"):
        raise EgressRefused(f"the host {host!r} is not reachable from this service")


def _check_ips(host: str, ips: list[IpAddress], policy: EgressPolicy) -> None:
    if host in policy.allowed_hosts:
        return
    for ip in ips:
        if not policy.address_allowed(ip):
            raise EgressRefused(
                f"the host {host!r} is a private, loopback, link-local or otherwise internal "
                "address; list it in IDP_WEBHOOKS__EGRESS_ALLOW to allow it"
            )


def _resolve(host: str, port: int) -> list[IpAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[IpAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in seen:
            seen.append(ip)
    return seen


def check_url(url: str, policy: EgressPolicy) -> str:
    """Refuse ``url`` (``EgressRefused``, a 422) unless the policy allows it; returns it.

    A host that does not resolve now is accepted (it may exist later); every send checks
    again with ``pinned_target``.
    """
    parts, host = _parse(url)
    literal = _literal_ip(host)
    if literal is not None:
        _check_ips(host, [literal], policy)
        return url
    _refuse_name(host, policy)
    try:
        ips = _resolve(host, parts.port or 443)
    except (OSError, UnicodeError):
        return url
    _check_ips(host, ips, policy)
    return url


@dataclass(frozen=True)
class PinnedTarget:
    """Where to connect for one request: the checked address, and the names to present."""

    url: str
    """The URL with its host replaced by the checked address."""
    host_header: str
    """``Host`` header value (the original host, and port when not the default)."""
    sni_hostname: str | None
    """TLS server name to send and verify the certificate against (https only)."""


def pinned_target(url: str, policy: EgressPolicy) -> PinnedTarget:
    """Resolve ``url``'s host, check every address, and pin the request to the first one.

    Raises ``EgressRefused`` when the URL or any resolved address is not allowed, and
    ``OSError`` when the name does not resolve.
    """
    parts, host = _parse(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    literal = _literal_ip(host)
    if literal is not None:
        ips = [literal]
    else:
        _refuse_name(host, policy)
        ips = _resolve(host, port)
        if not ips:
            raise OSError(f"{host} has no address")
    _check_ips(host, ips, policy)
    ip = ips[0]
    netloc_ip = f"[{ip}]" if ip.version == 6 else str(ip)
    default_port = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
    host_in_header = f"[{host}]" if ":" in host else host
    host_header = host_in_header if default_port else f"{host_in_header}:{port}"
    pinned = parts._replace(scheme=scheme, netloc=f"{netloc_ip}:{port}")
    return PinnedTarget(
        url=pinned.geturl(),
        host_header=host_header,
        sni_hostname=host if scheme == "https" and literal is None else None,
    )
