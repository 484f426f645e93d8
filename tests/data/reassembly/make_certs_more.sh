# Certificates for the second TLS set: the leaf names its issuer in authorityKeyIdentifier
# (keyid and issuer: a directoryName) and carries a Certificate Transparency SCT list
# (made up: one timestamp from a log ID of 32 bytes 0x11, a 64-byte dummy signature).
set -e
D=${1:-/tmp/s14t}
mkdir -p $D; cd $D
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/C=DE/O=Layerscope Test/CN=Layerscope Test Root CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/C=DE/O=Layerscope Test/CN=tls.example.test" 2>/dev/null
SIG=$(python3 -c "print('11'*64)")
SCT=00$(python3 -c "print('11'*32)")0000018f0a3b2c1d0000040300$(printf %02x 64)$SIG
SCTLEN=$(printf %04x $(( ${#SCT} / 2 )))
LIST=$SCTLEN$SCT
LISTLEN=$(printf %04x $(( ${#LIST} / 2 )))
INNER=$LISTLEN$LIST
OCT=04$(printf %02x $(( ${#INNER} / 2 )))$INNER
printf "subjectAltName=DNS:tls.example.test\nauthorityKeyIdentifier=keyid:always,issuer:always\n1.3.6.1.4.1.11129.2.4.2=DER:$OCT\n" > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 825 -extfile leaf.ext 2>/dev/null
head -c 30000 /dev/zero | tr '\0' 'a' > page.txt
