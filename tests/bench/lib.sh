# lib.sh - shared by the benchmarks (sourced): build the Release binary
# into $build once, unless it is already there.
bench_build() { # TOP BUILD_DIR
    [ -x "$2/sessiontail" ] && return 0
    cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$2" -j"$(nproc)" --target sessiontail >/dev/null
}
