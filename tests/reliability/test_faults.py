"""Faults across hosts: peers in two network namespaces joined by a veth pair.

Each peer is a separate process (`ip netns exec NS python _peer.py ROLE`); the test drives the
faults (nftables packet loss, a fault-injecting relay, link down/up, SIGKILL) and synchronises
on the events the peers report (monitor events, progress counts), never on sleeps.
"""
from __future__ import annotations

from typing import Any, Dict, List

import pytest

from ._support import Hosts, Peers, record


def _is(event: str, count: int = 0):  # type: ignore[no-untyped-def]
    return lambda m: m.get("event") == event and m.get("count", 0) >= count


def _missing_total(ranges: List[List[int]]) -> int:
    return sum(b - a + 1 for a, b in ranges)


# -- (a) packet loss and a slow, cutting relay: lazy pirate ---------------------------------------

LP_REQUESTS = 60


@pytest.mark.parametrize(("loss", "mode"), [(5, "relaxed"), (20, "fresh")])
def test_lazy_pirate_answers_every_request_over_lossy_slow_link(hosts: Hosts, peers: Peers, loss: int, mode: str) -> None:
    hosts.set_loss(loss)
    server = peers.start("lp_server", ns=hosts.a, name="server")
    server_port = server.expect("ready")["port"]
    # The relay (on host a) delays every chunk by 5-30 ms and resets the connection on every
    # 25th chunk, losing whatever it carried: requests and replies both get lost.
    relay = peers.start(
        "relay", ns=hosts.a, name="relay", host=hosts.ip_a, target_host="127.0.0.1",
        target_port=server_port, delay_ms=[5, 30], cut_every=25, seed=loss,
    )
    relay_port = relay.expect("ready")["port"]
    client = peers.start(
        "lp_client", ns=hosts.b, name="client", host=hosts.ip_a, port=relay_port,
        n=LP_REQUESTS, mode=mode, timeout_ms=800, max_attempts=25,
    )
    result = client.expect("summary", timeout=100)
    client.wait()
    cut = relay.finish()
    served = server.finish()
    dropped = hosts.dropped_packets()

    # Every request answered, each with its own reply.
    assert result["answered"] == LP_REQUESTS
    assert result["mismatches"] == 0
    # The server executed each request id exactly once, although it saw repeats.
    assert served["handled"] == LP_REQUESTS
    assert served["max_executions"] == 1
    assert served["total_executions"] == LP_REQUESTS
    # The faults really happened: packets dropped, connections cut, requests retried.
    assert dropped > 0
    assert cut["cuts"] >= 1
    assert result["retries"] >= 1
    record(
        f"faults.lazy_pirate[{loss}%,{mode}]",
        f"{LP_REQUESTS}/{LP_REQUESTS} answered, 0 lost, 0 executed twice; {dropped} packets dropped, "
        f"{cut['cuts']} connections cut, {result['retries']} retries, {served['repeats']} repeats "
        f"answered from cache, {result['elapsed']} s",
    )


# -- (b) link down, then up, under a PUSH/PULL stream with heartbeats ----------------------------


def test_link_down_and_up_during_push_pull_stream(hosts: Hosts, peers: Peers) -> None:
    hb: Dict[str, Any] = dict(hb_ivl=100, hb_timeout=500, hb_ttl=1000)
    pull = peers.start("pull_stream", ns=hosts.a, name="pull", host=hosts.ip_a, hwm=100, milestone=200, **hb)
    port = pull.expect("ready")["port"]
    push = peers.start(
        "push_stream", ns=hosts.b, name="push", host=hosts.ip_a, port=port, hwm=100, interval_ms=2, tail=200, **hb
    )
    push.expect("monitor", where=_is("HANDSHAKE_SUCCEEDED"))
    confirmed = pull.expect("progress")  # 0..199 have arrived
    hosts.link("a", up=False)
    try:
        # Heartbeats notice the dead link on both sides (no TCP error would, for minutes).
        down = push.expect("monitor", timeout=20, where=_is("DISCONNECTED"))
        pull.expect("monitor", timeout=20, where=_is("DISCONNECTED"))
        # The stream goes on into the queue until SNDHWM, where PUSH waits instead of dropping.
        hwm = push.expect("hwm", timeout=20, where=lambda m: m["seq"] > down["last_sent"])
    finally:
        hosts.link("a", up=True)
    push.expect("monitor", timeout=30, where=_is("HANDSHAKE_SUCCEEDED", count=2))
    push.send("finish")
    sent = push.expect("summary", timeout=60)
    push.wait()
    got = pull.expect("summary", timeout=60)
    pull.wait()

    assert got["duplicates"] == 0 and got["out_of_order"] == 0
    assert got["last"] == sent["sent"] - 1
    # Only what was on the wire when the link died may be missing: nothing confirmed before,
    # and nothing sent after the disconnection was seen (that was queued and delivered).
    for first, last in got["missing"]:
        assert confirmed["last"] < first and last <= down["last_sent"], (got["missing"], confirmed, down)
    lost = _missing_total(got["missing"])
    queued = hwm["seq"] - down["last_sent"] - 1
    assert queued > 0
    assert sent["hwm_waits"] > 0
    assert got["received"] == sent["sent"] - lost
    assert got["events"].get("DISCONNECTED", 0) >= 1
    record(
        "faults.link_down_up",
        f"{sent['sent']} sent, {got['received']} received, 0 duplicates, 0 reordered; "
        f"{lost} in flight on the dead link lost (PUSH/PULL promises nothing for those), "
        f"{queued} queued during the outage up to SNDHWM=100, all delivered",
    )


# -- (c) a peer killed with SIGKILL mid-stream, then restarted -----------------------------------


def test_killed_server_is_replaced_and_client_reconnects(hosts: Hosts, peers: Peers) -> None:
    port = 5555  # fixed, so the restarted server is found at the same address
    server = peers.start("router_echo", ns=hosts.a, name="server-1", host=hosts.ip_a, port=port)
    server.expect("ready")
    client = peers.start("dealer_client", ns=hosts.b, name="client", host=hosts.ip_a, port=port, interval_ms=5)
    client.expect("progress", where=lambda m: m["replies"] >= 100)
    server.kill()
    down = client.expect("monitor", where=_is("DISCONNECTED"))
    server2 = peers.start("router_echo", ns=hosts.a, name="server-2", host=hosts.ip_a, port=port)
    server2.expect("ready")
    client.expect("monitor", where=_is("HANDSHAKE_SUCCEEDED", count=2))
    client.expect("progress", timeout=30, where=lambda m: m["handshakes"] >= 2 and m["since_handshake"] >= 100)
    result = client.finish()
    echoed = server2.finish()

    assert result["duplicates"] == 0 and result["unknown"] == 0
    assert result["replies"] >= 200
    assert echoed["echoed"] >= 100
    record(
        "faults.server_killed",
        f"client survived SIGKILL of its server and reconnected to the restarted one: "
        f"{result['replies']} replies, 0 duplicates, {result['sent'] - result['replies']} requests lost "
        f"with the killed server or unanswered at stop (replies before the kill: {down['replies']})",
    )


def test_router_mandatory_reports_killed_peer_unreachable(hosts: Hosts, peers: Peers) -> None:
    router = peers.start("router_echo", ns=hosts.a, name="router", host=hosts.ip_a, mandatory=True)
    port = router.expect("ready")["port"]
    dealer = peers.start(
        "dealer_client", ns=hosts.b, name="dealer-1", host=hosts.ip_a, port=port, routing_id="peer-1", interval_ms=5
    )
    dealer.expect("progress", where=lambda m: m["replies"] >= 50)

    router.send("probe", peer="nobody", until="unreachable")
    assert router.expect("probe")["outcomes"] == {"EHOSTUNREACH": 5}
    router.send("probe", peer="peer-1", until="ok")
    assert router.expect("probe")["first"] == ["ok"]
    dealer.expect("probed")

    dealer.kill()  # mid-stream
    router.expect("monitor", where=_is("DISCONNECTED"))
    router.send("probe", peer="peer-1", until="unreachable")
    gone = router.expect("probe")
    # ROUTER_MANDATORY: sends to the dead peer raise EHOSTUNREACH rather than vanish.
    assert gone["last"] == "EHOSTUNREACH"
    assert gone["outcomes"]["EHOSTUNREACH"] == 5
    silent = gone["outcomes"].get("ok", 0)

    dealer2 = peers.start(
        "dealer_client", ns=hosts.b, name="dealer-2", host=hosts.ip_a, port=port, routing_id="peer-1", interval_ms=5
    )
    dealer2.expect("progress", where=lambda m: m["replies"] >= 50)
    router.send("probe", peer="peer-1", until="ok")
    assert router.expect("probe")["last"] == "ok"
    dealer2.expect("probed")
    dealer2.finish()
    summary = router.finish()
    assert summary["events"].get("DISCONNECTED", 0) >= 1
    record(
        "faults.router_mandatory",
        f"after SIGKILL of peer-1 every send raised EHOSTUNREACH ({silent} sends accepted between the "
        f"disconnect event and the pipe's end); peer-1 restarted and reached again; router echoed "
        f"{summary['echoed']} messages, send errors {summary['send_errors']}",
    )


# -- (d) PUB/SUB with a slow subscriber --------------------------------------------------------

PUBLISHED = 20_000


@pytest.mark.parametrize(("case", "hwm", "slow_ms"), [("slow", 100, 2), ("unbounded", 0, 0)])
def test_publisher_never_blocks_on_slow_subscriber(
    hosts: Hosts, peers: Peers, case: str, hwm: int, slow_ms: int
) -> None:
    pub = peers.start("pub", ns=hosts.a, name="pub", host=hosts.ip_a, hwm=hwm, n=PUBLISHED, size=512, sndbuf=65536)
    port = pub.expect("ready")["port"]
    sub = peers.start(
        "sub", ns=hosts.b, name="sub", host=hosts.ip_a, port=port, hwm=hwm, rcvbuf=65536, slow_ms=slow_ms
    )
    sub.expect("ready")
    pub.send("go")
    published = pub.expect("published", timeout=60)
    result = sub.expect("summary", timeout=90)
    sub.wait()
    pub.finish()

    drops = PUBLISHED - result["received"]
    assert published["again"] == 0  # no send ever blocked (SNDTIMEO would have said so)
    assert result["duplicates"] == 0 and result["out_of_order"] == 0
    if case == "slow":
        # A blocking publisher would have needed PUBLISHED * slow_ms; it took a fraction.
        assert published["elapsed"] < PUBLISHED * slow_ms / 1000 / 4
        assert drops > 0
        # Nothing is dropped before the queue is full. libzmq's pipe learns of reads in batches
        # of HWM/2, so up to HWM/2 already-read warm-up beacons may still count against SNDHWM:
        # at least the first HWM/2 messages arrive whole, and at least HWM in all.
        assert result["complete_prefix"] >= hwm // 2
        assert result["received"] >= hwm
        record(
            "faults.slow_subscriber",
            f"{PUBLISHED} published in {published['elapsed']} s (slowest send {published['max_send_ms']} ms, "
            f"never blocked); subscriber at {slow_ms} ms/message got {result['received']}, "
            f"{drops} dropped ({100 * drops / PUBLISHED:.1f}%) beyond HWM={hwm}; first "
            f"{result['complete_prefix']} all delivered",
        )
    else:
        # HWM 0 = no limit: the same stream loses nothing (the drop count above is real).
        assert drops == 0
        record("faults.unbounded_subscriber", f"{PUBLISHED} published, {result['received']} received, 0 dropped")
