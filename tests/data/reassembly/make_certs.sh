set -e
cd /tmp/s14r
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/C=DE/O=Layerscope Test/CN=Layerscope Test Root CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/C=DE/O=Layerscope Test/CN=Layerscope Test Intermediate" 2>/dev/null
printf "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n" > int.ext
openssl x509 -req -in int.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out int.pem -days 3650 -extfile int.ext 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/C=DE/ST=Berlin/L=Berlin/O=Layerscope Test/OU=Streams/CN=www.example.test" 2>/dev/null
printf "subjectAltName=DNS:www.example.test,DNS:example.test,DNS:*.cdn.example.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n" > leaf.ext
openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -out leaf.pem -days 825 -extfile leaf.ext 2>/dev/null
cat leaf.pem int.pem > chain.pem
