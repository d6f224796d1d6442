#!/usr/bin/env bash
# zchat's one entry point for set-up: installs the Debian packages that are missing, builds,
# then runs what was asked for.
#
#   ./dev.sh broker [BROKER ARGS...]   build, then run zchat-broker (default endpoints)
#   ./dev.sh test                      build, then run the whole test suite
#   ./dev.sh build                     build only
#   ./dev.sh package                   build, then make the Debian package (in the build folder)
#   ./dev.sh deps                      install the missing Debian packages only
#
# BUILD_DIR (default: build), ZCHAT_CMAKE_ARGS (extra cmake arguments) and ZCHAT_TEST_JOBS (tests
# run at once, default: the number of cores) can be set.
set -euo pipefail
cd "$(dirname "$0")"

packages=(g++ cmake make pkg-config libzmq3-dev cppzmq-dev libcxxopts-dev libreadline-dev
          libgtest-dev nlohmann-json3-dev faketime libinih-dev libsystemd-dev dpkg-dev file
          scdoc libbenchmark-dev libutf8proc-dev)
build_dir=${BUILD_DIR:-build}

install_missing() {
    local missing=() p
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return
    echo "dev.sh: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

configure() {
    # shellcheck disable=SC2086 # ZCHAT_CMAKE_ARGS is a list of words on purpose
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${ZCHAT_CMAKE_ARGS:-} "$@" >/dev/null
}

case "${1:-}" in
broker)
    shift
    install_missing
    configure
    cmake --build "$build_dir" -j"$(nproc)" --target zchat-broker zchat-client
    exec "$build_dir/bin/zchat-broker" "$@"
    ;;
test)
    install_missing
    configure
    cmake --build "$build_dir" -j"$(nproc)"
    ctest --test-dir "$build_dir" --output-on-failure -j"${ZCHAT_TEST_JOBS:-$(nproc)}"
    ;;
build)
    install_missing
    configure
    cmake --build "$build_dir" -j"$(nproc)"
    ;;
deps)
    install_missing
    ;;
package)
    install_missing
    # The package installs under /usr, with its configuration in /etc.
    configure -DCMAKE_INSTALL_PREFIX=/usr
    cmake --build "$build_dir" -j"$(nproc)"
    (cd "$build_dir" && cpack -G DEB)
    ;;
*)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
