#!/usr/bin/env bash
# Builds deepi2i against a CUDA libtorch: the PyPI torch wheel (libtorch 2.x, C++20) plus the nvidia-*
# runtime wheels it depends on (cudart, cuBLAS, cuDNN, NCCL, ...), all unpacked under .libtorch2/ in the
# layout of a Python site-packages (torch/ beside nvidia/), so libtorch_cuda's own RPATH
# ($ORIGIN/../../nvidia/*/lib) finds the CUDA libraries. libtorch_cuda is linked (its kernels register
# when it loads; Package.swift does this whenever torch/lib has it) and with it the NCCL backend, which
# the wheel's libtorch_cuda carries (c10d ProcessGroupNCCL, libnccl.so.2).
#
# Then it shows that the build starts on this machine: `deepi2i info` runs and reports CUDA, and
# `--device cuda` fails cleanly where there is no GPU.
#
# Usage: scripts/build-cuda.sh [--static-stdlib] [--release] [--bundle DIR] [--libtorch-dir DIR] [TORCH_VERSION]
#   --static-stdlib  link the Swift runtime and Foundation statically (for a GPU machine without Swift)
#   --release        optimised build (default: debug, which the incremental .build-cuda makes quick)
#   --bundle DIR     copy the binary, the non-system, non-torch libraries it needs (libpng, libjpeg,
#                    giflib, ...) and a launcher (DIR/deepi2i) that finds a pip-installed torch of the same
#                    version on the target machine; scripts/gpu-check.sh runs it there.
#                    The binary in it is stripped; when the bundle is over 60 MiB a DIR.tar.xz is written
#                    beside it too (the device tool carries at most 64 MiB).
#   --libtorch-dir D where the wheel is unpacked (default .libtorch2); one folder per torch version, since
#                    the binary must be built against the torch version of the machine that runs it
#   TORCH_VERSION    torch wheel to fetch when the folder has none (default: the latest on PyPI); a folder
#                    that holds another version is refused
# Build folder: .build-cuda (git-ignored). Run it through the project's build wrapper where there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=.libtorch2
CONFIG=debug
STATIC=()
BUNDLE=
VERSION=
while [ $# -gt 0 ]; do
  case $1 in
    --static-stdlib) STATIC=(--static-swift-stdlib) ;;
    --release) CONFIG=release ;;
    --bundle) BUNDLE=$2; shift ;;
    --libtorch-dir) DIR=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "build-cuda: unknown option $1" >&2; exit 2 ;;
    *) VERSION=$1 ;;
  esac
  shift
done

avail_gb=$(df -Pk . | awk 'NR==2 {print int($4 / 1048576)}')
# 1. The torch wheel (~1 GB unpacked).
mkdir -p $DIR/wheels $DIR/cuda-wheels
if [ ! -f $DIR/torch/lib/libtorch_cuda.so ]; then
  [ "$avail_gb" -ge 12 ] || { echo "build-cuda: need ~12 GB free for the wheels, have ${avail_gb} GB" >&2; exit 1; }
  python3 -m pip download -q --no-deps --only-binary=:all: "torch${VERSION:+==$VERSION}" -d $DIR/wheels
  unzip -q -o "$(ls -t $DIR/wheels/torch-*.whl | head -1)" 'torch/include/*' 'torch/lib/*' -d $DIR
fi
[ -f $DIR/torch/lib/libtorch_cuda.so ] || { echo "build-cuda: $DIR/torch/lib has no libtorch_cuda.so (a CPU wheel?)" >&2; exit 1; }
TORCH_VERSION=$(sed -n 's/.*TORCH_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' \
  $DIR/torch/include/torch/headeronly/version.h $DIR/torch/include/torch/csrc/api/include/torch/version.h 2>/dev/null | head -3 | paste -sd.)
echo "build-cuda: libtorch $TORCH_VERSION from $DIR/torch"
if [ -n "$VERSION" ] && [ "${VERSION%%+*}" != "$TORCH_VERSION" ]; then
  echo "build-cuda: $DIR/torch is torch $TORCH_VERSION, not $VERSION: use --libtorch-dir with another folder" >&2; exit 1
fi

# 2. The CUDA runtime wheels the torch wheel names (Requires-Dist: cuda-toolkit[...], nvidia-*), unpacked
#    beside torch/ (nvidia/cu13/lib, nvidia/cudnn/lib, nvidia/nccl/lib, ...).
if [ ! -f $DIR/nvidia/.unpacked ]; then
  wheel=$(ls -t $DIR/wheels/torch-*.whl 2>/dev/null | head -1 || true)
  if [ -n "$wheel" ] && ! ls $DIR/cuda-wheels/nvidia_cudnn*.whl >/dev/null 2>&1; then
    mapfile -t reqs < <(unzip -p "$wheel" '*.dist-info/METADATA' \
      | sed -n 's/^Requires-Dist: \(\(cuda-toolkit\|nvidia-\)[^;]*\);.*platform_system == "Linux".*/\1/p' | tr -d ' ')
    [ ${#reqs[@]} -gt 0 ] || { echo "build-cuda: $wheel names no CUDA runtime wheels" >&2; exit 1; }
    echo "build-cuda: fetching ${reqs[*]}"
    python3 -m pip download -q --only-binary=:all: "${reqs[@]}" -d $DIR/cuda-wheels
  fi
  for w in $DIR/cuda-wheels/nvidia_*.whl; do unzip -q -o "$w" 'nvidia/*' -d $DIR; done
  touch $DIR/nvidia/.unpacked
fi
mapfile -t CUDA_DIRS < <(find "$PWD/$DIR/nvidia" -name 'lib*.so*' -path '*/lib/*' -printf '%h\n' | sort -u)
[ ${#CUDA_DIRS[@]} -gt 0 ] || { echo "build-cuda: no CUDA libraries under $DIR/nvidia" >&2; exit 1; }
for lib in libcudart.so.13 libcublas.so.13 libcudnn.so.9 libnccl.so.2; do
  ls $DIR/nvidia/*/lib/$lib >/dev/null 2>&1 || echo "build-cuda: warning: $lib not found under $DIR/nvidia" >&2
done

# 3. Build. The linker resolves libtorch_cuda's dependencies through -rpath-link; at run time its RPATH does.
LINK=()
for d in "${CUDA_DIRS[@]}"; do LINK+=(-Xlinker -rpath-link -Xlinker "$d"); done
LOG=.build-cuda/build-cuda.log
mkdir -p .build-cuda
status=0
LIBTORCH=$PWD/$DIR/torch swift build --scratch-path .build-cuda -c $CONFIG --product deepi2i "${STATIC[@]}" "${LINK[@]}" \
  > $LOG 2>&1 || status=$?
grep -E "error|warning: (unre|lib)|Build complete" $LOG | head -20 || true
BIN=.build-cuda/$CONFIG/deepi2i
[ $status -eq 0 ] && [ -x $BIN ] || { echo "build-cuda: the build failed (log: $LOG)" >&2; exit 1; }
readelf -d $BIN | grep 'libtorch_cuda.so' >/dev/null || { echo "build-cuda: $BIN does not link libtorch_cuda" >&2; exit 1; }
[ "$(nm -D $DIR/torch/lib/libtorch_cuda.so | grep -c ProcessGroupNCCL)" -gt 0 ] \
  && echo "build-cuda: NCCL backend: libtorch_cuda exports c10d::ProcessGroupNCCL (libnccl.so.2 linked)" \
  || echo "build-cuda: NCCL backend: not in this libtorch_cuda"
if ldd $BIN | grep 'not found' >/dev/null; then ldd $BIN | grep 'not found' >&2; echo "build-cuda: unresolved libraries" >&2; exit 1; fi

# 4. It starts here: libtorch_cuda loads, CUDA is reported, a CUDA device is refused cleanly without a GPU.
echo "build-cuda: $BIN"
$BIN info --channels 8 --resolution 32 --classes 3 | head -2
if [ "$($BIN info --channels 8 --resolution 32 --classes 3 | sed -n 's/.*CUDA devices: \([0-9]*\).*/\1/p')" = 0 ]; then
  set +e
  msg=$($BIN train --scratch --data /nonexistent --out /tmp/build-cuda-probe-$$ --device cuda 2>&1)
  rc=$?
  set -e
  echo "build-cuda: --device cuda without a GPU: exit $rc: $msg"
  [ $rc -ne 0 ] && ! grep -qi "segmentation\|abort\|core dumped" <<<"$msg" || { echo "build-cuda: --device cuda did not fail cleanly" >&2; exit 1; }
fi

# 5. A bundle to carry to a GPU machine (libtorch and the CUDA libraries come from pip there).
if [ -n "$BUNDLE" ]; then
  rm -rf "$BUNDLE" && mkdir -p "$BUNDLE/lib"
  strip -o "$BUNDLE/deepi2i.bin" $BIN 2>/dev/null || cp $BIN "$BUNDLE/deepi2i.bin"
  # Everything the binary loads that is neither glibc/libstdc++/libgcc, nor torch, nor CUDA.
  ldd $BIN | awk '$3 ~ /^\// {print $3}' \
    | grep -vE '/(libc|libm|libdl|librt|libpthread|libutil|libresolv|libnsl|libanl|ld-linux[^/]*|libstdc\+\+|libgcc_s)\.so' \
    | grep -v "$PWD/$DIR" | while read -r lib; do cp -L "$lib" "$BUNDLE/lib/"; done
  cat > "$BUNDLE/deepi2i" <<EOF
#!/usr/bin/env bash
# deepi2i built against torch $TORCH_VERSION (CUDA). Finds torch's libraries in the pip installation of
# \${PYTHON:-python3} (or TORCH_LIB=/path/to/torch/lib); the nvidia-* wheels beside it are found by
# libtorch_cuda's own RPATH.
here=\$(cd "\$(dirname "\$0")" && pwd)
lib=\${TORCH_LIB:-\$(\${PYTHON:-python3} -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)}
[ -f "\$lib/libtorch_cuda.so" ] || { echo "deepi2i: no CUDA torch found (set TORCH_LIB to torch/lib of torch $TORCH_VERSION)" >&2; exit 1; }
# A libtorch of another version fails with missing symbols: say so plainly instead.
have=\$(sed -n "s/^__version__ = '\\([0-9.]*\\).*/\\1/p" "\$lib/../version.py" 2>/dev/null)
[ -z "\$have" ] || [ "\$have" = "$TORCH_VERSION" ] || {
  echo "deepi2i: this binary was built against torch $TORCH_VERSION, but \$lib is torch \$have (rebuild with scripts/build-cuda.sh \$have)" >&2; exit 1; }
export LD_LIBRARY_PATH="\$lib:\$here/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "\$here/deepi2i.bin" "\$@"
EOF
  chmod +x "$BUNDLE/deepi2i"
  echo "$TORCH_VERSION" > "$BUNDLE/TORCH_VERSION"
  if ldd $BIN | grep -qE 'libswift|libFoundation|libdispatch|libBlocksRuntime'; then
    echo "build-cuda: warning: the binary needs Swift's runtime libraries (build with --static-stdlib for a machine without Swift)" >&2
  fi
  echo "build-cuda: bundle in $BUNDLE ($(du -sh "$BUNDLE" | cut -f1)); run $BUNDLE/deepi2i on the GPU machine"
  if [ "$(du -sm "$BUNDLE" | cut -f1)" -gt 60 ]; then
    tar -C "$(dirname "$BUNDLE")" -cf - "$(basename "$BUNDLE")" | xz -T2 -3 > "$BUNDLE.tar.xz"
    echo "build-cuda: also $BUNDLE.tar.xz ($(du -sh "$BUNDLE.tar.xz" | cut -f1)), for a transfer limited in size"
  fi
fi
