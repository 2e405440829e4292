#!/usr/bin/env bash
# Installs the reference side of the benchmark race from Debian's own packages (bookworm: PyTorch
# 1.13.1, NumPy 1.24, OpenBLAS 0.3.21), into the system Python /usr/bin/python3. Run as root, once:
#
#   sudo bench/python/setup-debian.sh
#
# Why Debian packages and not pip wheels: the build machines reach only Debian's apt mirrors and
# Maven Central. Debian's NumPy calls BLAS through the libblas.so.3 alternative; installing
# libopenblas0-pthread makes OpenBLAS (threaded with pthreads) that alternative, which the script
# checks at the end. python3-threadpoolctl lets the scripts report which BLAS and which OpenBLAS
# kernel ("core type") is really in use.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
    echo "setup-debian.sh: run as root (apt-get install needs it): sudo $0" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "setup-debian.sh: apt-get not found; this script is for Debian/Ubuntu. Install PyTorch, NumPy and OpenBLAS another way." >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
    python3 python3-numpy python3-torch python3-threadpoolctl libopenblas0-pthread

# Make sure libblas.so.3 / liblapack.so.3 resolve to the pthread OpenBLAS (the highest-priority
# alternative once installed; set it explicitly in case another BLAS was chosen by hand).
arch_dir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3; do
    target="$arch_dir/openblas-pthread/$lib"
    if [[ -e $target ]]; then
        update-alternatives --set "$lib-$(basename "$arch_dir")" "$target" >/dev/null 2>&1 || true
    fi
done

echo "== installed:"
/usr/bin/python3 - <<'PY'
import numpy, torch
print("numpy", numpy.__version__, "| torch", torch.__version__)
try:
    from threadpoolctl import threadpool_info
    for pool in threadpool_info():
        print("blas:", pool.get("internal_api"), pool.get("version"), pool.get("architecture"), pool.get("filepath"))
except ImportError:
    print("threadpoolctl not importable; BLAS details unknown")
PY
update-alternatives --display "libblas.so.3-$(basename "$arch_dir")" | head -3
