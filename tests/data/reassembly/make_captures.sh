set -e
NS=s14r
ip netns del $NS 2>/dev/null || true
ip netns add $NS
ip netns exec $NS ip link set lo up mtu 1500 gso_max_segs 1 gso_max_size 1500 || ip netns exec $NS ip link set lo up mtu 1500
cap() {  # name, command
  ip netns exec $NS tcpdump -i lo -U -s 0 -w /tmp/s14r/$1.pcap 2>/dev/null & P=$!
  sleep 1
  eval "$2"
  sleep 1; kill $P; wait $P 2>/dev/null || true
}
cap http_gzip_chunked "ip netns exec $NS python3 /tmp/s14r/servers.py http"
cap dns_tcp_multi "ip netns exec $NS python3 /tmp/s14r/servers.py dns"
ip netns exec $NS openssl s_server -accept 443 -cert /tmp/s14r/leaf.pem -key /tmp/s14r/leaf.key -cert_chain /tmp/s14r/int.pem -tls1_2 -www -quiet >/dev/null 2>&1 & S=$!
sleep 1
cap tls12_cert_chain "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 ip netns exec $NS openssl s_client -connect 127.0.0.1:443 -tls1_2 -servername www.example.test -ign_eof >/dev/null 2>&1 || true"
kill $S; wait $S 2>/dev/null || true
ip netns del $NS
