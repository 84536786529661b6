#!/usr/bin/env bash
# cmake --install of the build into a scratch prefix, then examples/cpp built against it three
# ways (find_package with the static library, with the shared one, and pkg-config) and
# run on the bundled digits MLP: each must print the same CROWN bounds as `certnn bounds`.
#   install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir="$1"
build_dir="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
for f in bin/certnn lib/libcertnn.a lib/libcertnn.so lib/cmake/certnn/certnnConfig.cmake lib/pkgconfig/certnn.pc \
  include/certnn/bounds/method.hpp; do
  [[ -e $prefix/$f ]] || { echo "not installed: $f"; exit 1; }
done
[[ ! -e $prefix/include/certnn/onnx/node_attributes.hpp ]] || { echo "an internal header was installed"; exit 1; }

model="$source_dir/examples/digits_mlp.onnx"
row="$(head -1 "$source_dir/examples/digits_inputs.csv")"
echo "$row" >"$work/input.csv"
"$prefix/bin/certnn" bounds "$model" --input "$work/input.csv" --eps 0.01 --method crown --json >"$work/cli.json"

for shared in OFF ON; do
  cmake -S "$source_dir/examples/cpp" -B "$work/example-$shared" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DCERTIFY_DIGIT_SHARED=$shared >/dev/null
  cmake --build "$work/example-$shared" >/dev/null
  # The shared build must find the installed libcertnn.so (its RPATH), not one of the build tree.
  LD_LIBRARY_PATH="" "$work/example-$shared/certify_digit" "$model" 0.01 "$row" >"$work/out-$shared.txt"
done
# pkg-config's -lcertnn links the shared library; the run finds it through the RPATH given here.
c++ -std=c++20 -O2 "$source_dir/examples/cpp/certify_digit.cpp" -o "$work/certify_digit_pc" \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs certnn) -Wl,-rpath,"$prefix/lib"
"$work/certify_digit_pc" "$model" 0.01 "$row" >"$work/out-pc.txt"

cmp "$work/out-OFF.txt" "$work/out-ON.txt"
cmp "$work/out-OFF.txt" "$work/out-pc.txt"
grep -qx "prediction 8 certified at eps 0.01" "$work/out-OFF.txt" || { cat "$work/out-OFF.txt"; exit 1; }
python3 - "$work/cli.json" "$work/out-OFF.txt" <<'PY'
import json, re, sys
cli = json.load(open(sys.argv[1]))["inputs"][0]["methods"]["crown"]
lines = [l for l in open(sys.argv[2]) if l.startswith("y")]
assert len(lines) == len(cli["lower"]), lines
for j, line in enumerate(lines):
    lo, hi = map(float, re.match(r"y\d+ in \[(.*), (.*)\]", line).groups())
    assert (lo, hi) == (cli["lower"][j], cli["upper"][j]), (j, lo, hi, cli["lower"][j], cli["upper"][j])
PY
echo "install_test: installed tree, find_package (static and shared) and pkg-config builds agree with certnn bounds"
