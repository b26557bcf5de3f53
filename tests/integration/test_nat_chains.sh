#!/usr/bin/env bash
# Links through address translation on the node (issue 7, section 4). Two network namespaces behind the
# root namespace, which routes between them and translates with nftables:
#   cs-nat-c (10.201.1.2, fd01:1::2): the load generator and the leaf service
#   cs-nat-s (10.201.2.2, fd01:2::2): service A (thread per request; calls the leaf twice per request)
# Phases, IPv4 and IPv6 each:
#   dnat  the load calls A's virtual address (10.201.9.10 / fd01:9::10 port 18187), A calls the leaf's
#         (10.201.9.11 / fd01:9::11 port 18188): DNAT to the real servers, as a Kubernetes Service does
#   snat  both calls go to the real addresses, masqueraded on the way out of the root namespace
#   both  virtual addresses and masquerade
# 16 keep-alive clients in each phase, 64 in a second "both" phase. No end of any connection sees the
# other's tuple. Must hold: every edge right (cross-process edges
# through NAT and A's in-process edges), 0 wrong.
# Usage: bash test_nat_chains.sh /path/to/callscope   (root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cs_init "$@"
source "$(dirname "$0")/lib/truth.sh"
command -v nft >/dev/null || cs_fail "nft missing (run scripts/install-deps.sh: nftables)"
command -v ip >/dev/null || cs_fail "ip missing (iproute2)"

A_PORT=18185
LEAF_PORT=18186
VIP_A_PORT=18187
VIP_LEAF_PORT=18188
CS_TRUTH_PORTS="$A_PORT $LEAF_PORT $VIP_A_PORT $VIP_LEAF_PORT"
NSC="ip netns exec cs-nat-c"
NSS="ip netns exec cs-nat-s"
OLD_FWD4="$(sysctl -n net.ipv4.ip_forward)"
OLD_FWD6="$(sysctl -n net.ipv6.conf.all.forwarding)"

nat_cleanup() {
  nft delete table inet csnat 2>/dev/null || true
  ip netns del cs-nat-c 2>/dev/null || true
  ip netns del cs-nat-s 2>/dev/null || true
  ip link del csnc0 2>/dev/null || true
  ip link del csns0 2>/dev/null || true
  sysctl -qw net.ipv4.ip_forward="$OLD_FWD4" net.ipv6.conf.all.forwarding="$OLD_FWD6" 2>/dev/null || true
}
trap 'rc=$?; set +e; nat_cleanup; (exit $rc); cs_cleanup' EXIT
nat_cleanup

# side NS ROOT_IF N: a namespace behind a veth pair, 10.201.N.0/24 and fd01:N::/64, routed by the root.
side() {
  local ns="$1" dev="$2" n="$3"
  ip netns add "$ns"
  ip link add "$dev" type veth peer name eth0 netns "$ns"
  ip addr add "10.201.$n.1/24" dev "$dev"
  ip -6 addr add "fd01:$n::1/64" dev "$dev" nodad
  ip link set "$dev" up
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip addr add "10.201.$n.2/24" dev eth0
  ip netns exec "$ns" ip -6 addr add "fd01:$n::2/64" dev eth0 nodad
  ip netns exec "$ns" ip link set eth0 up
  ip netns exec "$ns" ip route add default via "10.201.$n.1"
  ip netns exec "$ns" ip -6 route add default via "fd01:$n::1"
}
side cs-nat-c csnc0 1 || cs_fail "cannot create namespace cs-nat-c"
side cs-nat-s csns0 2 || cs_fail "cannot create namespace cs-nat-s"
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# nat_rules DNAT(0|1) SNAT(0|1): the root namespace's translation for one phase.
nat_rules() {
  local pre="" post=""
  if [ "$1" = 1 ]; then
    pre="ip daddr 10.201.9.10 tcp dport $VIP_A_PORT dnat ip to 10.201.2.2:$A_PORT
      ip daddr 10.201.9.11 tcp dport $VIP_LEAF_PORT dnat ip to 10.201.1.2:$LEAF_PORT
      ip6 daddr fd01:9::10 tcp dport $VIP_A_PORT dnat ip6 to [fd01:2::2]:$A_PORT
      ip6 daddr fd01:9::11 tcp dport $VIP_LEAF_PORT dnat ip6 to [fd01:1::2]:$LEAF_PORT"
  fi
  [ "$2" = 1 ] && post='oifname { "csnc0", "csns0" } masquerade'
  nft delete table inet csnat 2>/dev/null || true
  nft -f - <<NFT || cs_fail "nft rejected the NAT rules"
table inet csnat {
  chain pre {
    type nat hook prerouting priority dstnat;
    $pre
  }
  chain post {
    type nat hook postrouting priority srcnat;
    $post
  }
}
NFT
}

for family in 4 6; do
  if [ "$family" = 4 ]; then
    any=0.0.0.0 a_real=10.201.2.2 leaf_real=10.201.1.2 a_vip=10.201.9.10 leaf_vip=10.201.9.11
  else
    any=:: a_real=fd01:2::2 leaf_real=fd01:1::2 a_vip=fd01:9::10 leaf_vip=fd01:9::11
  fi
  for phase in dnat snat both both64; do
    label="$phase-ipv$family"
    clients=16
    [ "$phase" = both64 ] && phase=both clients=64
    case "$phase" in
      dnat) nat_rules 1 0 ;;
      snat) nat_rules 0 1 ;;
      both) nat_rules 1 1 ;;
    esac
    if [ "$phase" = snat ]; then
      a_host=$a_real a_port=$A_PORT leaf_host=$leaf_real leaf_port=$LEAF_PORT
    else
      a_host=$a_vip a_port=$VIP_A_PORT leaf_host=$leaf_vip leaf_port=$VIP_LEAF_PORT
    fi
    leaf_url="http://$leaf_host:$leaf_port"
    [ "$family" = 6 ] && leaf_url="http://[$leaf_host]:$leaf_port"
    cs_truth_leaf "$NSC" "$any" "$LEAF_PORT" "$CS_TMP/truth-$label-leaf.jsonl"
    cs_bg "a-$label" $NSS "$PY" "$CS_CHAINS_DIR/thread_service.py" "$any" "$A_PORT" "$leaf_url" "$CS_TMP/truth-$label-a.jsonl"
    a_pid=$CS_LAST_PID
    cs_truth_wait "$NSS" "$a_real" "$A_PORT"
    # Through the translation from the client's side: the path the load will take.
    cs_truth_wait "$NSC" "$a_host" "$a_port"
    cs_truth_phase "$label" "$clients" $((256 / clients)) "$NSC" "$a_host" "$a_port" --min-right-in 1.0 --translated
    cs_stop "$a_pid" "A ($label)"
    cs_stop "$LEAF_PID" "leaf ($label)"
  done
done
cs_truth_summary
cs_log "PASS"
