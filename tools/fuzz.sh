#!/usr/bin/env bash
# Builds the libFuzzer fuzzer for every parser that reads outside bytes (Sources/regvault-fuzz) and
# runs each target for a while, then prints a table: target, seconds, executions, exec/s, corpus
# size, coverage, crashes. Exits 1 if any target crashed; crash inputs are kept in
# .build-fuzz/crashes/<target>/ (replay one with `regvault-fuzz TARGET FILE` from a normal build, and
# commit it under Tests/fuzz/regressions/<target>/ once the parser is fixed).
#
#   tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      # default 20 s, every target
#   FUZZ_JOBS=2 tools/fuzz.sh 600                        # two targets at a time
#
# The corpus each target grows lives in .build-fuzz/corpus/<target>/ (git-ignored) and is reused by
# the next run; the seeds are made afresh each run from the repository: generated ones (signed under
# a fixed fuzz key), Tests/fuzz/corpus/<target>/, the public test vectors, retention/, docs/ and
# sandbox/ examples. Needs Swift 6 on the PATH whose toolchain ships libFuzzer (swift.org's do).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
jobs="${FUZZ_JOBS:-1}"
scratch=.build-fuzz
export SWIFT_BACKTRACE=enable=no            # libFuzzer reports crashes; the Swift backtracer would only slow them down
# Scratch files (the inputs of the records and archive targets) in memory where there is /dev/shm.
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"

command -v swift >/dev/null || { echo "fuzz: Swift 6 is required (swift not on PATH)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "fuzz: python3 is required (tools/setup.sh installs it)" >&2; exit 1; }
# The toolchain's own clang runtime must have libFuzzer and AddressSanitizer; swift.org toolchains do.
resource_dir="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/lib/clang"
if ! ls "$resource_dir"/*/lib/linux/libclang_rt.fuzzer-x86_64.a "$resource_dir"/*/lib/linux/libclang_rt.asan-x86_64.a \
    >/dev/null 2>&1; then
  if ls "$resource_dir"/*/lib/*/libclang_rt.fuzzer.a >/dev/null 2>&1; then
    :   # per-target runtime layout (other architectures)
  else
    echo "fuzz: this Swift toolchain has no libFuzzer runtime under $resource_dir; use a swift.org toolchain" >&2
    exit 1
  fi
fi
dpkg-query -W -f='${Status}' libarchive-dev 2>/dev/null | grep -q "install ok installed" || tools/setup.sh

echo "fuzz: building the fuzzer (release, -sanitize=fuzzer,address)" >&2
build_start=$(date +%s)
mkdir -p "$scratch"
if ! swift build -c release --product regvault-fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING >"$scratch/build.log" 2>&1; then
  grep -v -e "Cannot export local symbol '__asan" "$scratch/build.log" | tail -40 >&2
  echo "fuzz: the fuzzer did not build" >&2
  exit 1
fi
fuzzer="$scratch/release/regvault-fuzz"
echo "fuzz: built in $(( $(date +%s) - build_start )) s" >&2

all_targets=(json records patch note checkpoint entry tlogproof tile params retention manifest archive config)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# Seeds, made afresh each run.
seeds="$scratch/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"
REGVAULT_FUZZ_WRITE_SEEDS="$seeds" "$fuzzer" >/dev/null 2>&1 || { echo "fuzz: writing the generated seeds failed" >&2; exit 1; }
python3 - "$seeds" <<'PY'
import glob, json, os, re, sys
seeds = sys.argv[1]
count = {}
def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > 1 << 20:
        return
    folder = os.path.join(seeds, target)
    os.makedirs(folder, exist_ok=True)
    count[target] = count.get(target, 0) + 1
    with open(os.path.join(folder, "repo-%d" % count[target]), "wb") as f:
        f.write(data)
def read(path):
    with open(path, "rb") as f:
        return f.read()
for path in sorted(glob.glob("Tests/fuzz/corpus/*/*")):
    add(os.path.basename(os.path.dirname(path)), read(path))
for path in sorted(glob.glob("retention/*.json")):
    add("retention", read(path)); add("json", read(path))
for path in sorted(glob.glob("sandbox/scenarios/*.json")) + sorted(glob.glob("Tests/python/pacts/*.json")):
    add("json", read(path)[:65536])
records = [line for line in read("docs/RECORDS.md").decode().splitlines() if line.startswith('{"eventId"')]
for line in records:
    add("records", line); add("json", line)
add("records", "\n".join(records) + "\n")
add("records", "\r\n".join(records))
for line in records:
    state = json.loads(line).get("state")
    diff = json.loads(line).get("diff")
    if diff is not None:
        add("patch", json.dumps([{"maxBonus": 200, "games": ["slots"]}, diff]))
    if state is not None:
        add("patch", json.dumps([state, [{"op": "replace", "path": "", "value": state}]]))
# Strings in the public vectors that are notes, checkpoints, proofs, keys or tile paths.
def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value: yield from strings(item)
    elif isinstance(value, dict):
        for item in value.values(): yield from strings(item)
for path in sorted(glob.glob("Tests/VaultFormatTests/Vectors/*.json")):
    with open(path) as f:
        vectors = json.load(f)
    for text in strings(vectors):
        if len(text) > 65536:
            continue
        if "\n\n\u2014 " in text:
            add("note", text); add("checkpoint", text)
        elif text.count("\n") >= 3 and re.match(r"^[^\n]+\n\d+\n[A-Za-z0-9+/=]{44}\n", text):
            add("checkpoint", text)
        if text.startswith("c2sp.org/tlog-proof"):
            add("tlogproof", text)
        if re.match(r"^[^ +]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$", text) or text.startswith("PRIVATE+KEY+"):
            add("note", text)
        m = re.match(r"^tile/(.+)$", text)
        if m:
            add("tile", m.group(1))
        if re.match(r"^\d{4}-\d\d-\d\d[Tt ]", text):
            add("params", text)
PY

mkdir -p "$scratch/corpus" "$scratch/crashes" "$scratch/logs"
dictionary() {
  case "$1" in
    json|patch) echo Tests/fuzz/dictionaries/json.dict ;;
    records) cat Tests/fuzz/dictionaries/json.dict Tests/fuzz/dictionaries/records.dict > "$scratch/records.dict"; echo "$scratch/records.dict" ;;
    retention) cat Tests/fuzz/dictionaries/json.dict Tests/fuzz/dictionaries/retention.dict > "$scratch/retention.dict"; echo "$scratch/retention.dict" ;;
    config) cat Tests/fuzz/dictionaries/json.dict Tests/fuzz/dictionaries/config.dict > "$scratch/config.dict"; echo "$scratch/config.dict" ;;
    note|checkpoint|tlogproof|manifest) echo Tests/fuzz/dictionaries/note.dict ;;
    tile|params) echo Tests/fuzz/dictionaries/params.dict ;;
    *) echo "" ;;
  esac
}

run_target() {
  local target="$1"
  local corpus="$scratch/corpus/$target" crashes="$scratch/crashes/$target" log="$scratch/logs/$target.log"
  mkdir -p "$corpus" "$crashes" "$seeds/$target"
  local dict
  dict="$(dictionary "$target")"
  local before
  before=$(find "$crashes" -type f | wc -l)
  local start
  start=$(date +%s)
  REGVAULT_FUZZ_TARGET="$target" nice -n 10 "$fuzzer" "$corpus" "$seeds/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$crashes/" ${dict:+-dict="$dict"} >"$log" 2>&1 || true
  local took=$(( $(date +%s) - start ))
  local after
  after=$(find "$crashes" -type f | wc -l)
  python3 - "$target" "$took" "$log" "$(( after - before ))" "$(find "$corpus" -type f | wc -l)" > "$scratch/logs/$target.row" <<'PY'
import re, sys
target, took, log, crashes, corpus = sys.argv[1:]
text = open(log, errors="replace").read()
def stat(name):
    m = re.search(r"stat::%s:\s*(\d+)" % name, text)
    return m.group(1) if m else "?"
cov = re.findall(r"cov: (\d+) ft: (\d+)", text)
print("\t".join([target, took, stat("number_of_executed_units"), stat("average_exec_per_sec"), corpus,
                 cov[-1][0] if cov else "?", cov[-1][1] if cov else "?", crashes]))
PY
}

running=0
for target in "${targets[@]}"; do
  echo "fuzz: $target for ${seconds} s" >&2
  run_target "$target" &
  running=$(( running + 1 ))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$(( running - 1 )); fi
done
wait

failed=0
printf '%-11s %8s %12s %8s %7s %6s %7s %8s\n' target seconds executions exec/s corpus cov ft crashes
for target in "${targets[@]}"; do
  row="$scratch/logs/$target.row"
  [ -f "$row" ] || { printf '%-11s (no result)\n' "$target"; failed=1; continue; }
  IFS=$'\t' read -r name took executions rate corpus cov ft crashes < "$row"
  printf '%-11s %8s %12s %8s %7s %6s %7s %8s\n' "$name" "$took" "$executions" "$rate" "$corpus" "$cov" "$ft" "$crashes"
  if [ "$crashes" != 0 ] || grep -q -e "ERROR: libFuzzer" -e "ERROR: AddressSanitizer" -e "SUMMARY: libFuzzer" "$scratch/logs/$target.log"; then
    failed=1
    echo "  crash inputs in $scratch/crashes/$target/, log in $scratch/logs/$target.log" >&2
  fi
done
exit "$failed"
