# shellcheck shell=bash disable=SC2016
# (SC2016: '$ORIGIN' and '$TTL' are zone file directives, not shell variables)
# tests/lab/dane/setup.sh: the DNSSEC and DANE scenarios (issue 14), sourced
# by tests/lab/start.  Defines functions start calls at three points:
#   dane_make      after the lab CA: scenario certificates, keys, signed zones
#   dane_nsd_conf  after nsd.conf is written: the dane.test zones for NSD
#   dane_master_cf after master.cf is written: one smtpd per scenario host
#   dane_unbound   after NSD: a validating Unbound on 127.0.20.53:53
# Keys are made on every start, per machine, like the lab CA; the trust
# anchor (the KSK's DNSKEY, zone-file format, read by ub_ctx_add_ta_file and
# unbound's trust-anchor-file) is $LAB_DIR/dnssec/anchor.key.

# address  host                 cert (self: self-signed, ca: lab CA)  TLSA
LAB_DANE_HOSTS="
127.0.20.1 mx.ee.dane.test       self
127.0.20.2 mx.ta.dane.test       ca
127.0.20.3 mx.nomatch.dane.test  self
127.0.20.4 mx.target.dane.test   self
127.0.20.5 mx.bogus.dane.test    self
127.0.20.6 mx.insecure.dane.test self
127.0.20.7 mx.pkix.dane.test     ca
127.0.20.8 mx.sha512.dane.test   self
"
LAB_DANE_RESOLVER=127.0.20.53
# shellcheck disable=SC2034  # for tests
LAB_DANE_ANCHOR=$LAB_DIR/dnssec/anchor.key

lab_dane_hosts() { grep -v '^$' <<<"$LAB_DANE_HOSTS"; }

# dane_spki_hash CERT DIGEST: hex digest of the certificate's public key.
dane_spki_hash() {
    openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER |
        openssl dgst "-$2" -r | cut -d' ' -f1
}
dane_cert_hash() {   # CERT DIGEST: hex digest of the whole certificate
    openssl x509 -in "$1" -outform DER | openssl dgst "-$2" -r | cut -d' ' -f1
}

dane_cert() {   # HOST self|ca
    local host=$1 kind=$2 t=$LAB_DIR/tls
    if [ "$kind" = self ]; then
        openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
            -keyout "$t/$host.key" -out "$t/$host.crt" -days 30 -subj "/O=mailflow test lab/CN=$host" \
            -addext "subjectAltName=DNS:$host" >>"$LAB_DIR/openssl.log" 2>&1 ||
            lab_die "openssl could not make the self-signed certificate of $host"
        cp "$t/$host.crt" "$t/$host.chain"
    else
        openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$t/$host.key" \
            -out "$t/$host.csr" -subj "/O=mailflow test lab/CN=$host" >>"$LAB_DIR/openssl.log" 2>&1 ||
            lab_die "openssl could not make a key for $host"
        printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" "subjectAltName=DNS:$host" >"$t/$host.ext"
        openssl x509 -req -in "$t/$host.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial \
            -days 30 -sha256 -extfile "$t/$host.ext" -out "$t/$host.crt" >>"$LAB_DIR/openssl.log" 2>&1 ||
            lab_die "openssl could not sign the certificate of $host"
        # DANE-TA needs the trust anchor in the chain the server sends.
        cat "$t/$host.crt" "$t/ca.crt" >"$t/$host.chain"
    fi
    chmod 600 "$t/$host.key"
}

dane_sign() {   # ZONE [-e EXPIRY -i INCEPTION]: keys and ZONE.zone.signed
    local zone=$1 d=$LAB_DIR/dnssec ksk zsk
    shift
    ksk=$(cd "$d" && ldns-keygen -k -a ECDSAP256SHA256 "$zone") || lab_die "ldns-keygen failed for $zone"
    zsk=$(cd "$d" && ldns-keygen -a ECDSAP256SHA256 "$zone") || lab_die "ldns-keygen failed for $zone"
    (cd "$d" && ldns-signzone "$@" -f "$LAB_DIR/nsd/zones/$zone.zone.signed" \
        "$LAB_DIR/nsd/zones/$zone.zone" "$ksk" "$zsk") || lab_die "ldns-signzone failed for $zone"
    DANE_KSK=$d/$ksk
}

dane_make() {
    local addr host kind z=$LAB_DIR/nsd/zones t=$LAB_DIR/tls soa
    mkdir -p "$LAB_DIR/dnssec"
    while read -r addr host kind; do dane_cert "$host" "$kind"; done <<<"$(lab_dane_hosts)"
    h() { dane_spki_hash "$t/$1.crt" sha256; }
    soa='$TTL 300
@ SOA ns.lab.test. hostmaster.lab.test. 2026120301 3600 600 86400 300
@ NS ns.lab.test.'
    # The child zones first: their DS go into dane.test.
    printf '$ORIGIN bogus.dane.test.\n%s\n@ MX 10 mx\nmx A 127.0.20.5\n_25._tcp.mx TLSA 3 1 1 %s\n' \
        "$soa" "$(h mx.bogus.dane.test)" >"$z/bogus.dane.test.zone"
    # Signatures that expired long ago: a validator says bogus.
    dane_sign bogus.dane.test -i 20200101000000 -e 20200201000000
    local bogus_ds
    bogus_ds=$(ldns-key2ds -n -2 "$DANE_KSK.key") || lab_die "ldns-key2ds failed"
    printf '$ORIGIN insecure.dane.test.\n%s\n@ MX 10 mx\nmx A 127.0.20.6\n_25._tcp.mx TLSA 3 1 1 %s\n' \
        "$soa" "$(h mx.insecure.dane.test)" >"$z/insecure.dane.test.zone"
    {
        printf '$ORIGIN dane.test.\n%s\n' "$soa"
        printf 'ee MX 10 mx.ee\nmx.ee A 127.0.20.1\n_25._tcp.mx.ee TLSA 3 1 1 %s\n' "$(h mx.ee.dane.test)"
        printf 'ta MX 10 mx.ta\nmx.ta A 127.0.20.2\n_25._tcp.mx.ta TLSA 2 0 1 %s\n' \
            "$(dane_cert_hash "$t/ca.crt" sha256)"
        # A hash of nothing the server has.
        printf 'nomatch MX 10 mx.nomatch\nmx.nomatch A 127.0.20.3\n_25._tcp.mx.nomatch TLSA 3 1 1 %s\n' \
            "$(printf 'no such key' | openssl dgst -sha256 -r | cut -d' ' -f1)"
        printf 'cname MX 10 mx.cname\nmx.cname CNAME mx.target\nmx.target A 127.0.20.4\n'
        printf '_25._tcp.mx.target TLSA 3 1 1 %s\n' "$(h mx.target.dane.test)"
        printf 'bogus NS ns.lab.test.\n%s\n' "$bogus_ds"
        printf 'insecure NS ns.lab.test.\n'
        printf 'pkix MX 10 mx.pkix\nmx.pkix A 127.0.20.7\n_25._tcp.mx.pkix TLSA 1 1 1 %s\n' "$(h mx.pkix.dane.test)"
        printf 'sha512 MX 10 mx.sha512\nmx.sha512 A 127.0.20.8\n_25._tcp.mx.sha512 TLSA 3 1 2 %s\n' \
            "$(dane_spki_hash "$t/mx.sha512.dane.test.crt" sha512)"
    } >"$z/dane.test.zone"
    dane_sign dane.test
    # The anchor: the KSK's DNSKEY record.
    cp "$DANE_KSK.key" "$LAB_DIR/dnssec/anchor.key"
}

dane_nsd_conf() {
    local zone
    for zone in dane.test bogus.dane.test; do
        printf '\nzone:\n    name: "%s"\n    zonefile: "%s.zone.signed"\n' "$zone" "$zone"
    done >>"$LAB_DIR/nsd/nsd.conf"
    printf '\nzone:\n    name: "insecure.dane.test"\n    zonefile: "insecure.dane.test.zone"\n' \
        >>"$LAB_DIR/nsd/nsd.conf"
}

dane_master_cf() {
    local addr host kind t=$LAB_DIR/tls
    while read -r addr host kind; do
        printf '\n# DANE scenario (tests/lab/dane/setup.sh)\n%s:25 inet n - n - - smtpd\n' "$addr"
        printf '  -o myhostname=%s\n  -o smtpd_tls_security_level=may\n' "$host"
        printf '  -o smtpd_tls_cert_file=%s/%s.chain\n  -o smtpd_tls_key_file=%s/%s.key\n' "$t" "$host" "$t" "$host"
    done <<<"$(lab_dane_hosts)" >>"$LAB_DIR/postfix/etc/master.cf"
}

dane_unbound() {
    local u=$LAB_DIR/unbound zone
    mkdir -p "$u"
    {
        printf 'server:\n    interface: %s@53\n    port: 53\n    do-ip6: no\n' "$LAB_DANE_RESOLVER"
        printf '    username: ""\n    chroot: ""\n    directory: "%s"\n    pidfile: "%s/unbound.pid"\n' "$u" "$u"
        printf '    logfile: "%s/unbound.log"\n    use-syslog: no\n    verbosity: 1\n' "$u"
        printf '    access-control: 127.0.0.0/8 allow\n    do-not-query-localhost: no\n'
        printf '    trust-anchor-file: "%s/dnssec/anchor.key"\n' "$LAB_DIR"
        # unbound answers "test." itself by default: not for ours.
        printf '    local-zone: "test." nodefault\n    domain-insecure: "lab.test"\n'
        printf '    val-log-level: 2\n    module-config: "validator iterator"\n'
        printf 'remote-control:\n    control-enable: no\n'
        for zone in dane.test bogus.dane.test insecure.dane.test lab.test; do
            printf 'stub-zone:\n    name: "%s"\n    stub-addr: %s@%s\n' "$zone" "$LAB_DNS_ADDR" "$LAB_DNS_PORT"
        done
    } >"$u/unbound.conf"
    unbound-checkconf "$u/unbound.conf" >>"$u/unbound.out" 2>&1 ||
        lab_die "unbound-checkconf rejected $u/unbound.conf; see $u/unbound.out"
    setsid unbound -d -c "$u/unbound.conf" </dev/null >>"$u/unbound.out" 2>&1 &
    record $! unbound "$u/unbound.out"
}
