#!/usr/bin/env bash
# A real Kubernetes control plane for the role tests: kube-apiserver + kube-controller-manager v1.20.2
# built from Debian 12's `kubernetes` source package, etcd from Debian, all on 127.0.0.1.
# There is no scheduler or kubelet: Pods stay Pending and tests mark workloads ready via the status subresource.
#
#   k8s-local.sh build   # once per machine: apt deps + source + compile (~7 min cold, cached afterwards)
#   k8s-local.sh start   # etcd + apiserver + controller-manager on free loopback ports; writes kubeconfig
#   k8s-local.sh env     # print `export KUBECONFIG=...` for the running instance
#   k8s-local.sh stop    # stops exactly the PIDs it started
#
# Binaries are cached in $CACHE_ROOT/k8s-<version>/bin; a running instance keeps its state in $K8S_RUN_DIR.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../common.sh"
DEB_VERSION=1.20.5+really1.20.2-1.1+deb12u1
UPSTREAM_VERSION=1.20.2
W=$CACHE_ROOT/k8s-$UPSTREAM_VERSION
RUN=${K8S_RUN_DIR:-$W/run}
TOKEN_FILE=$RUN/pki/admin-token

have_binaries() { [ -x "$W/bin/kube-apiserver" ] && [ -x "$W/bin/kube-controller-manager" ]; }

build() {
  apt_install etcd-server openssl curl
  if have_binaries; then echo "k8s-local: binaries cached in $W/bin"; return 0; fi
  local t0=$SECONDS
  mkdir -p "$W/src" "$W/bin"
  if ! grep -rqs 'deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list; then
    as_root sh -c "sed 's/^Types: deb\$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/debian-src.sources"
    as_root apt-get update -qq
  fi
  apt_install golang-go golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev dpkg-dev
  cd "$W/src"
  if [ ! -d kubernetes-$UPSTREAM_VERSION ]; then
    apt-get source --download-only "kubernetes=$DEB_VERSION" >/dev/null 2>&1
    tar xzf "kubernetes_${DEB_VERSION%-*}.orig.tar.gz"
  fi
  local SRC=$W/src/kubernetes-$UPSTREAM_VERSION d
  # The vendored reflect2 1.0.1 crashes on Go >= 1.18 when serving custom resources: use Debian's newer copies.
  for d in modern-go/reflect2 json-iterator/go; do
    rm -rf "$SRC/vendor/github.com/$d"; mkdir -p "$SRC/vendor/github.com/$d"
    cp /usr/share/gocode/src/github.com/$d/*.go "$SRC/vendor/github.com/$d/"; rm -f "$SRC"/vendor/github.com/$d/*_test.go
  done
  export GOPATH=$W/gopath GO111MODULE=off CGO_ENABLED=0 GOCACHE=$W/gocache GOFLAGS= GOPROXY=off
  mkdir -p "$GOPATH/src/k8s.io"; ln -sfn "$SRC" "$GOPATH/src/k8s.io/kubernetes"; cd "$GOPATH/src/k8s.io/kubernetes"
  # pkg/generated/openapi/zz_generated.openapi.go is not in the tarball: generate it.
  go build -o "$W/bin/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
  local DIRS
  DIRS=$(find -H . \( -not \( \( -path ./_\* -o -path ./.\* -o -path ./vendor \) -prune \) \) -type f -name '*.go' \
    | sed 's|^./staging/src|vendor|; s|^./||' | grep -v -E '^vendor/k8s.io/(code-generator|sample-apiserver)/' \
    | xargs grep -l '+k8s:openapi-gen=' | xargs -n1 dirname | LC_ALL=C sort -u | sed 's|^|k8s.io/kubernetes/|' | paste -sd,)
  "$W/bin/openapi-gen" -i "$DIRS" -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
    -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$W/openapi-violations.report"
  local V=k8s.io/kubernetes/vendor/k8s.io LD="-s -w" kv c
  for kv in gitVersion=v$UPSTREAM_VERSION gitMajor=1 gitMinor=20 gitTreeState=archive buildDate=2021-01-13T13:20:00Z; do
    LD="$LD -X $V/client-go/pkg/version.$kv -X $V/component-base/version.$kv"; done
  for c in kube-apiserver kube-controller-manager; do go build -trimpath -ldflags "$LD" -o "$W/bin/$c.tmp" ./cmd/$c; mv "$W/bin/$c.tmp" "$W/bin/$c"; done
  # The source tree and Go build cache are only needed to rebuild; keep the binaries, drop the rest.
  rm -rf "$W/src" "$W/gopath" "$W/gocache"
  echo "k8s-local: built in $((SECONDS - t0))s"
}

pki() {
  local P=$RUN/pki
  mkdir -p "$P"; cd "$P"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj /CN=k8slocal-ca 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj /CN=kube-apiserver 2>/dev/null
  printf "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n" > ext.cnf
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 30 -extfile ext.cnf 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null; openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  openssl rand -hex 24 > "$TOKEN_FILE"
  echo "$(cat "$TOKEN_FILE"),admin,admin,system:masters" > tokens.csv
}

api_get() { curl -fs --max-time 2 --cacert "$RUN/pki/ca.crt" -H "Authorization: Bearer $(cat "$TOKEN_FILE")" "https://127.0.0.1:$API_PORT$1"; }

start() {
  have_binaries || build
  if [ -f "$RUN/kube-apiserver.pid" ] && kill -0 "$(cat "$RUN/kube-apiserver.pid")" 2>/dev/null; then
    echo "k8s-local: already running; $(env_line)"; return 0
  fi
  # The ports were free when chosen; another process (a test session running beside this one) can bind one of
  # them first: then start again on other ports. Each attempt is a process of its own, so that errexit holds in it.
  local attempt
  for attempt in 1 2 3; do
    "${BASH_SOURCE[0]}" start-on-free-ports && return 0
    grep -qs 'address already in use' "$RUN"/logs/*.log && [ "$attempt" -lt 3 ] || return 1
  done
}

start_on_free_ports() {
  local t0=$SECONDS
  rm -rf "$RUN"; mkdir -p "$RUN/logs"; pki
  API_PORT=$(free_port); local ETCD_PORT ETCD_PEER ETCD_METRICS KCM_PORT
  ETCD_PORT=$(free_port); ETCD_PEER=$(free_port); ETCD_METRICS=$(free_port); KCM_PORT=$(free_port)
  echo "$API_PORT" > "$RUN/api-port"
  cat > "$RUN/kubeconfig" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$RUN/pki/ca.crt"}
users:
- name: admin
  user: {token: "$(cat "$TOKEN_FILE")"}
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
KCFG
  etcd --name k8slocal --data-dir "$RUN/etcd-data" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-cluster "k8slocal=http://127.0.0.1:$ETCD_PEER" \
    --listen-metrics-urls "http://127.0.0.1:$ETCD_METRICS" > "$RUN/logs/etcd.log" 2>&1 &
  echo $! > "$RUN/etcd.pid"
  wait_for 20 etcd "$RUN/etcd.pid" curl -fs "http://127.0.0.1:$ETCD_PORT/health" || { tail -20 "$RUN/logs/etcd.log" >&2; stop; return 1; }
  "$W/bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" --insecure-port=0 \
    --endpoint-reconciler-type=none --tls-cert-file="$RUN/pki/apiserver.crt" --tls-private-key-file="$RUN/pki/apiserver.key" \
    --client-ca-file="$RUN/pki/ca.crt" --token-auth-file="$RUN/pki/tokens.csv" --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$RUN/pki/sa.pub" --service-account-signing-key-file="$RUN/pki/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true > "$RUN/logs/kube-apiserver.log" 2>&1 &
  echo $! > "$RUN/kube-apiserver.pid"
  wait_for 90 kube-apiserver "$RUN/kube-apiserver.pid" api_get /readyz || { tail -20 "$RUN/logs/kube-apiserver.log" >&2; stop; return 1; }
  "$W/bin/kube-controller-manager" --kubeconfig="$RUN/kubeconfig" --authentication-kubeconfig="$RUN/kubeconfig" \
    --authorization-kubeconfig="$RUN/kubeconfig" --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --port=0 \
    --leader-elect=false --service-account-private-key-file="$RUN/pki/sa.key" --root-ca-file="$RUN/pki/ca.crt" \
    --controllers='*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-ttl,-bootstrapsigner,-tokencleaner' \
    > "$RUN/logs/kube-controller-manager.log" 2>&1 &
  echo $! > "$RUN/kube-controller-manager.pid"
  wait_for 60 "the default ServiceAccount" "$RUN/kube-controller-manager.pid" api_get /api/v1/namespaces/default/serviceaccounts/default \
    || { tail -20 "$RUN/logs/kube-controller-manager.log" >&2; stop; return 1; }
  echo "k8s-local: ready in $((SECONDS - t0))s on 127.0.0.1:$API_PORT; $(env_line)"
}

env_line() { echo "export KUBECONFIG=$RUN/kubeconfig"; }

stop() {
  local c
  for c in kube-controller-manager kube-apiserver etcd; do stop_pidfile "$RUN/$c.pid"; done
  rm -rf "$RUN/etcd-data"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  start-on-free-ports) start_on_free_ports ;;  # one attempt of start
  stop) stop ;;
  env) [ -f "$RUN/kubeconfig" ] && env_line ;;
  *) echo "usage: $0 build|start|stop|env" >&2; exit 2 ;;
esac
