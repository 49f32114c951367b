#!/usr/bin/env bash
# Native AOT against JIT for the sample worker, on this machine, in one run:
#   binary size; launch -> first handler start; Main -> first handler start; peak RSS (VmHWM); wall time of a drain.
# Both builds drain copies of one database that the JIT build prepared (the demo set, 11 tasks), with --no-demo --stats,
# alternately, RUNS times each; the medians are reported. Needs only the .NET SDK (and gcc for the native link).
# Usage: samples/TypedQueue.Samples.Worker/measure-aot.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")"
runs="${1:-7}"
work="$(mktemp -d /tmp/typedqueue-aot-measure.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "publishing native AOT and JIT (Release) into $work ..." >&2
dotnet publish TypedQueue.Samples.Worker.csproj -r linux-x64 -c Release -o "$work/aot" --artifacts-path "$work/artifacts-aot" >"$work/publish-aot.log" 2>&1 \
  || { cat "$work/publish-aot.log" >&2; exit 1; }
dotnet publish TypedQueue.Samples.Worker.csproj -r linux-x64 --self-contained false -c Release -p:PublishAot=false -o "$work/jit" --artifacts-path "$work/artifacts-jit" >"$work/publish-jit.log" 2>&1 \
  || { cat "$work/publish-jit.log" >&2; exit 1; }

mkdir -p "$work/template"
(cd "$work/template" && dotnet "$work/jit/TypedQueue.Samples.Worker.dll" --enqueue-only >/dev/null)

# One run: prints "<launch-to-first-task ms> <main-to-first-task ms> <peak RSS kB> <wall ms>".
measure() {
  local flavor="$1" dir="$work/run-$1-$2" out start end first main rss
  rm -rf "$dir" && mkdir -p "$dir" && cp "$work/template"/typedqueue.db* "$dir"/
  cd "$dir"
  start=$(date +%s%6N)
  if [ "$flavor" = aot ]; then
    out=$("$work/aot/TypedQueue.Samples.Worker" --no-demo --stats 2>&1)
  else
    out=$(dotnet "$work/jit/TypedQueue.Samples.Worker.dll" --no-demo --stats 2>&1)
  fi
  end=$(date +%s%6N)
  cd - >/dev/null
  grep -q "all  *11" <<<"$out" || { echo "$flavor run did not drain the set:" >&2; echo "$out" >&2; exit 1; }
  first=$(sed -n 's/.*first-task-unix-us=\([0-9]*\).*/\1/p' <<<"$out")
  main=$(sed -n 's/.*main-to-first-task-ms=\([0-9.]*\).*/\1/p' <<<"$out")
  rss=$(sed -n 's/.*peak-rss-kb=\([0-9]*\).*/\1/p' <<<"$out")
  awk -v s="$start" -v f="$first" -v m="$main" -v r="$rss" -v e="$end" 'BEGIN { printf "%.1f %s %s %.0f\n", (f - s) / 1000, m, r, (e - s) / 1000 }'
}

: >"$work/aot.txt"; : >"$work/jit.txt"
for i in $(seq 1 "$runs"); do
  measure aot "$i" >>"$work/aot.txt"
  measure jit "$i" >>"$work/jit.txt"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$work/$1.txt" | median; }

aot_size=$(stat -c %s "$work/aot/TypedQueue.Samples.Worker")
aot_folder=$(du -sb --exclude='*.dbg' --exclude='*.pdb' --exclude='*.xml' "$work/aot" | cut -f1)
jit_folder=$(du -sb --exclude='*.pdb' --exclude='*.xml' "$work/jit" | cut -f1)

printf '\nmachine: %s, %s cores, .NET SDK %s; %s runs each, medians\n' "$(uname -sr)" "$(nproc)" "$(dotnet --version)" "$runs"
printf '%-34s %12s %12s %8s\n' "" "native AOT" "JIT" "JIT/AOT"
row() { awk -v n="$1" -v a="$2" -v j="$3" -v u="$4" 'BEGIN { printf "%-34s %10.1f%s %10.1f%s %7.1fx\n", n, a, u, j, u, j / a }'; }
row "launch -> first task started (ms)" "$(col aot 1)" "$(col jit 1)" ""
row "Main -> first task started (ms)" "$(col aot 2)" "$(col jit 2)" ""
row "peak RSS (MB)" "$(awk -v k="$(col aot 3)" 'BEGIN { print k / 1024 }')" "$(awk -v k="$(col jit 3)" 'BEGIN { print k / 1024 }')" ""
row "drain of the demo set, wall (ms)" "$(col aot 4)" "$(col jit 4)" ""
printf '%-34s %10.1fMB\n' "native executable" "$(awk -v b="$aot_size" 'BEGIN { print b / 1048576 }')"
printf '%-34s %10.1fMB %10.1fMB  (JIT: framework-dependent, plus the shared .NET runtime)\n' "publish folder, no symbols" \
  "$(awk -v b="$aot_folder" 'BEGIN { print b / 1048576 }')" "$(awk -v b="$jit_folder" 'BEGIN { print b / 1048576 }')"
