# The second TLS set (run as root; certificates from make_certs_more.sh in /tmp/s14t).
#   tls12_dhe_fragmented: TLS 1.2, DHE key exchange, the server's records at most 512 bytes
#     (-max_send_frag), so its Certificate message is split over several records
#   tls13_app_data: TLS 1.3, a 30,000-byte page (-WWW) in records spanning segments
set -e
NS=s14t
D=/tmp/s14t
ip netns del $NS 2>/dev/null || true
ip netns add $NS
ip netns exec $NS ip link set lo up mtu 1500 gso_max_segs 1 gso_max_size 1500 || ip netns exec $NS ip link set lo up mtu 1500
cap() {  # name, command
  ip netns exec $NS tcpdump -i lo -U -s 0 -w $D/$1.pcap 2>/dev/null & P=$!
  sleep 1
  eval "$2"
  sleep 1; kill $P; wait $P 2>/dev/null || true
}
serve() {  # openssl s_server options
  (cd $D && exec ip netns exec $NS openssl s_server -accept 443 -cert leaf.pem -key leaf.key "$@" -quiet >/dev/null 2>&1) & S=$!
  sleep 1
}
serve -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256 -max_send_frag 512 -www
cap tls12_dhe_fragmented "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 ip netns exec $NS openssl s_client -connect 127.0.0.1:443 -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256 -ign_eof >/dev/null 2>&1 || true"
kill $S; wait $S 2>/dev/null || true
serve -tls1_3 -WWW
cap tls13_app_data "printf 'GET /page.txt HTTP/1.0\r\n\r\n' | timeout 5 ip netns exec $NS openssl s_client -connect 127.0.0.1:443 -tls1_3 -ign_eof >/dev/null 2>&1 || true"
kill $S; wait $S 2>/dev/null || true
ip netns del $NS
