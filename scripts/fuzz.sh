#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets) for a bounded time each.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 60)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz asks for a nightly compiler; with the
# one stable toolchain here, RUSTC_BOOTSTRAP=1 lets it use the sanitizer flags. The test suite
# (scripts/test.sh) only checks that the targets build.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
for target in $(cargo fuzz list); do
  echo "==> $target (${seconds}s)"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
done
