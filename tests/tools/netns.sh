# netns.sh: throw-away network namespaces for multicast tests (source it).
#
#   netns_init                  # names for this run, a switch namespace
#   netns_bridge br0            # a bridge in the switch (IGMP snooping off)
#   netns_host cam1 10.213.0.11/24 br0   # namespace with eth0 on br0
#   netns_link cam1 eth1 10.213.1.11/24 br1   # a second interface
#   netns_addr6 cam1 fd00:213::11/64           # an IPv6 address on eth0
#   netns_exec cam1 CMD...      # run in it
#   netns_cleanup               # delete everything this run made
#
# Every name carries a per-run prefix, so parallel runs and leftovers of a
# killed run never collide. Needs root and iproute2. Nothing is created in
# the caller's namespace: the veth pairs go straight into their namespaces.

netns_init() {
	NETNS_PFX="ck$(printf '%04x' $$)$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')"
	NETNS_LIST=()
	NETNS_SW="${NETNS_PFX}-sw"
	ip netns add "$NETNS_SW" || return 1
	NETNS_LIST+=("$NETNS_SW")
	ip -n "$NETNS_SW" link set lo up
	NETNS_PORT=0
}

# netns_bridge NAME
netns_bridge() {
	ip -n "$NETNS_SW" link add "$1" type bridge mcast_snooping 0 &&
	    ip -n "$NETNS_SW" link set "$1" up
}

# netns_ns NAME: the full namespace name of host NAME.
netns_ns() {
	printf '%s-%s' "$NETNS_PFX" "$1"
}

# netns_link HOST IFNAME ADDR/LEN BRIDGE: a veth from HOST to BRIDGE.
netns_link() {
	local ns; ns=$(netns_ns "$1")
	NETNS_PORT=$((NETNS_PORT + 1))
	ip -n "$NETNS_SW" link add "p$NETNS_PORT" type veth peer name "$2" netns "$ns" &&
	    ip -n "$NETNS_SW" link set "p$NETNS_PORT" master "$4" up &&
	    ip -n "$ns" addr add "$3" dev "$2" &&
	    ip -n "$ns" link set "$2" up
}

# netns_host HOST ADDR/LEN BRIDGE: a namespace with lo and eth0.
netns_host() {
	local ns; ns=$(netns_ns "$1")
	ip netns add "$ns" || return 1
	NETNS_LIST+=("$ns")
	# no duplicate address detection: IPv6 addresses (link-local too) are
	# usable at once instead of after a second or two
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 >/dev/null 2>&1 || true
	ip -n "$ns" link set lo up
	netns_link "$1" eth0 "$2" "$3"
}

# netns_addr6 HOST ADDR/LEN [IFNAME]: an IPv6 address on eth0 (or IFNAME).
netns_addr6() {
	ip -n "$(netns_ns "$1")" -6 addr add "$2" dev "${3:-eth0}" nodad
}

# netns_exec HOST CMD...
netns_exec() {
	local ns; ns=$(netns_ns "$1"); shift
	ip netns exec "$ns" "$@"
}

netns_cleanup() {
	local n
	for n in "${NETNS_LIST[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	for n in "${NETNS_LIST[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	NETNS_LIST=()
}
