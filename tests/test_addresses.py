"""The address policy in every notation, through the fetcher: a URL naming a loopback, private,
link-local, metadata or multicast address, however it is written, is refused before anything
is sent, unless the settings allow its network.

Refusals happen before connecting, so the private addresses below are never contacted; URLs
that are let through either go to the loopback test server or are only checked.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest

from outpost.addresses import IPNetwork, embedded_ipv4, is_public
from outpost.config import FetchSettings
from outpost.ingest.web import Fetcher, FetchError
from tests.loopback_site import Reply, Site, serve

REFUSAL = "is a private, loopback or link-local address"
LOOPBACK_8 = (ipaddress.ip_network("127.0.0.0/8"),)
# A Teredo address (2001::/32) of server 65.54.227.120 for a client at 127.0.0.1: the client
# address is stored with its bits inverted (0x80fffffe).
TEREDO_LOOPBACK = "2001:0:4136:e378:8000:63bf:80ff:fffe"


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        running.routes["/"] = Reply(200, b"hello", {"Content-Type": "text/plain"})
        yield running


def fetch(url: str, allow: tuple[IPNetwork, ...] = ()) -> bytes:
    with Fetcher(FetchSettings(allow_networks=allow, timeout=2.0, deadline=5.0)) as fetcher:
        return fetcher.get(url).body


def check(url: str, allow: tuple[IPNetwork, ...]) -> None:
    """The policy's verdict alone, for allowed addresses that must not be contacted."""
    with Fetcher(FetchSettings(allow_networks=allow)) as fetcher:
        fetcher.check_address(url)


# Every notation of a forbidden address -------------------------------------------------------

FORBIDDEN = {
    # host as written: the address the reason must name
    "127.0.0.1": "127.0.0.1",
    "127.1": "127.0.0.1",  # inet_aton's short form
    "2130706433": "127.0.0.1",  # one 32-bit number
    "0x7f.0.0.1": "127.0.0.1",  # hexadecimal
    "0x7f000001": "127.0.0.1",
    "0177.0.0.1": "127.0.0.1",  # octal
    "127.0.0.1:8080": "127.0.0.1",
    "127\u30020\u30020\u30021": "127.0.0.1",  # ideographic full stops: IDNA maps them to dots
    "127\uff0e0\uff0e0\uff0e1": "127.0.0.1",  # fullwidth full stops, the same
    "user@127.0.0.1": "127.0.0.1",
    "8.8.8.8\\@127.0.0.1": "127.0.0.1",  # the host after the last @, for urllib and httpx
    "0.0.0.0": "0.0.0.0",
    "0": "0.0.0.0",
    "[::1]": "::1",
    "[::]": "::",
    "[::ffff:127.0.0.1]": "127.0.0.1",  # IPv4-mapped
    "[0:0:0:0:0:ffff:7f00:1]": "127.0.0.1",
    "[::127.0.0.1]": "::7f00:1",  # IPv4-compatible
    "[::ffff:0:127.0.0.1]": "::ffff:0:7f00:1",  # IPv4-translated (SIIT)
    "[64:ff9b::127.0.0.1]": "64:ff9b::7f00:1",  # NAT64
    "[64:ff9b:1::a00:1]": "64:ff9b:1::a00:1",  # local-use NAT64
    "[2002:7f00:1::]": "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "[2002:a00:1::1]": "2002:a00:1::1",  # 6to4 of 10.0.0.1
    f"[{TEREDO_LOOPBACK}]": TEREDO_LOOPBACK,
    "[fec0::1]": "fec0::1",  # deprecated site-local
    "169.254.169.254": "169.254.169.254",  # cloud metadata
    "[fd00:ec2::254]": "fd00:ec2::254",  # cloud metadata over IPv6
    "100.64.0.1": "100.64.0.1",  # carrier-grade NAT
    "10.0.0.1": "10.0.0.1",
    "172.16.0.1": "172.16.0.1",
    "172.31.255.254": "172.31.255.254",
    "192.168.0.1": "192.168.0.1",
    "192.168.1": "192.168.0.1",
    "[fd00::1]": "fd00::1",  # unique local
    "[fe80::1]": "fe80::1",  # link-local
    "224.0.0.1": "224.0.0.1",  # multicast
    "239.255.255.250": "239.255.255.250",
    "[ff02::1]": "ff02::1",
    "[ff0e::1]": "ff0e::1",  # global-scope multicast is still multicast
    "255.255.255.255": "255.255.255.255",
    "[3fff::1]": "3fff::1",  # documentation (RFC 9637), newer than Python 3.11's tables
    "[5f00::1]": "5f00::1",  # SRv6 SIDs (RFC 9602), the same
}


@pytest.mark.parametrize(("host", "address"), FORBIDDEN.items(), ids=FORBIDDEN.keys())
def test_forbidden_address_is_refused_in_every_notation(host: str, address: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(f"http://{host}/latest/meta-data/")

    assert f"{address} {REFUSAL}" in str(caught.value)


def test_localhost_by_name_is_refused_before_any_request(site: Site) -> None:
    with pytest.raises(FetchError, match=REFUSAL):
        fetch(f"http://localhost:{site.port}/")

    assert site.requests == []


# Allowed networks let exactly themselves through ---------------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.1", "2130706433", "0x7f.0.0.1", "[::ffff:127.0.0.1]"]
)
def test_allowed_loopback_is_fetched_in_every_notation(site: Site, host: str) -> None:
    assert fetch(f"http://{host}:{site.port}/", LOOPBACK_8) == b"hello"


@pytest.mark.parametrize(
    "host",
    ["[::ffff:0:127.0.0.1]", "[::127.0.0.1]", "[64:ff9b::127.0.0.1]", "[2002:7f00:1::]"],
)
def test_allowed_loopback_lets_ipv6_forms_of_it_through(host: str) -> None:
    check(f"http://{host}/", LOOPBACK_8)  # judged by the IPv4 inside: no error


@pytest.mark.parametrize(
    "host", ["10.0.0.1", "[::ffff:10.0.0.1]", "192.168.0.1", "169.254.169.254", "[::1]"]
)
def test_allowed_loopback_lets_nothing_else_through(host: str) -> None:
    with pytest.raises(FetchError, match=REFUSAL):
        fetch(f"http://{host}/", LOOPBACK_8)


def test_an_allowed_private_network_lets_exactly_its_addresses_through() -> None:
    allow = (ipaddress.ip_network("10.0.0.0/24"), ipaddress.ip_network("fd00:1::/32"))
    for inside in ["10.0.0.7", "[::ffff:10.0.0.7]", "[64:ff9b::10.0.0.7]", "[fd00:1::5]"]:
        check(f"http://{inside}/", allow)
    for outside in ["10.0.1.1", "127.0.0.1", "[fd00:2::5]", "[::1]", "169.254.169.254"]:
        with pytest.raises(FetchError, match=REFUSAL):
            check(f"http://{outside}/", allow)


@pytest.mark.parametrize(
    "host",
    [
        "93.184.216.34",
        "[2606:4700:4700::1111]",
        "[::ffff:93.184.216.34]",
        "[64:ff9b::93.184.216.34]",  # NAT64 of a public address
        "[2002:5db8:d822::1]",  # 6to4 of a public address
    ],
)
def test_public_addresses_pass(host: str) -> None:
    check(f"http://{host}/", ())


# The judgement itself ------------------------------------------------------------------------


def test_teredo_is_judged_by_its_client_and_server() -> None:
    address = ipaddress.IPv6Address(TEREDO_LOOPBACK)

    assert embedded_ipv4(address) == [
        ipaddress.IPv4Address("65.54.227.120"),
        ipaddress.IPv4Address("127.0.0.1"),
    ]
    assert not is_public(address)


def test_ipv4_translated_embeds_its_ipv4() -> None:
    address = ipaddress.IPv6Address("::ffff:0:10.1.2.3")

    assert embedded_ipv4(address) == [ipaddress.IPv4Address("10.1.2.3")]
    assert is_public(ipaddress.IPv6Address("::ffff:0:8.8.8.8"))
