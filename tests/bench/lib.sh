# lib.sh - shared by the benchmarks (sourced): build the Release binary
# into $build once, unless it is already there.  Further arguments are
# targets brought up to date on every call (a driver linked with code that
# may have changed since), sessiontail with them.
bench_build() { # TOP BUILD_DIR [TARGET...]
    local top=$1 dir=$2
    shift 2
    [ -x "$dir/sessiontail" ] && [ $# -eq 0 ] && return 0
    cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=Release \
        -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$dir" -j"$(nproc)" --target sessiontail "$@" >/dev/null
}
