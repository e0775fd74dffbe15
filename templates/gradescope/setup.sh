#!/usr/bin/env bash
# sockets-course on Gradescope: setup.sh. Gradescope runs this once, as root, when it builds the
# autograder image from the zip that `cargo xtask autograder gradescope OUT.zip` writes (unpacked
# in /autograder/source). That zip holds no solution and no private check's source: the checks
# of every exercise come compiled (grader/judges/), and the rest is the student copy of the kit.
#
# This script installs the Rust version the kit pins (rust-toolchain.toml), makes the kit root's
# alone, checks that the prebuilt judges run on this image, and grades the stubs once, so that
# the grader and the dependencies are compiled into the image and a submission compiles only its
# own code. Any step that fails fails the image build, with the step named: an image that cannot
# grade must not be used to grade.
#
# AUTOGRADER (default /autograder) and KIT (default $AUTOGRADER/source) exist so that the kit's
# tests can run this script outside Gradescope; SOCKETS_COURSE_SKIP_INSTALL=1 skips the system
# packages and the Rust install (the tests have Rust, and no network).
set -euo pipefail
trap 'echo "setup.sh: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

root=${AUTOGRADER:-/autograder}
kit=${KIT:-$root/source}

toolchain=$(sed -n 's/^channel *= *"\(.*\)"$/\1/p' "$kit/rust-toolchain.toml")
if [ -z "$toolchain" ]; then
    echo "setup.sh: no channel in $kit/rust-toolchain.toml" >&2
    exit 1
fi

if [ "${SOCKETS_COURSE_SKIP_INSTALL:-}" != 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends build-essential ca-certificates curl
    # Downloaded first, so that a failed download fails this script rather than `sh` reading
    # nothing and succeeding.
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs -o /tmp/rustup-init.sh
    sh /tmp/rustup-init.sh -y --profile minimal --default-toolchain "$toolchain"
fi
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
# The pinned version, or the image is not the one the kit was tested with.
(cd "$kit" && rustc --version) | grep -F "rustc $toolchain "

# The kit is root's alone: student code, run as other users, cannot read it, even where the
# container allows no mount namespace to hide it. (Unzipping may drop the executable bits.)
chmod -R go-rwx "$kit"
chmod 700 "$kit/run_autograder" "$kit"/grader/judges/judge-*

# The judges were compiled where the zip was made: each must run here (a C library older than
# the one they were linked against would stop them).
for judge in "$kit"/grader/judges/judge-*; do
    "$judge" --list >/dev/null
done

# Grade the stubs as a submission: this compiles the grader and every dependency into the image,
# and proves that every check runs here. The stubs fail every check (exit code 1); a grader
# error or an exercise that cannot be built is a broken image.
report=$(mktemp)
status=0
(cd "$kit" && cargo xtask grade --tree "$kit/exercises" --format json --output "$report") || status=$?
if [ "$status" -gt 1 ]; then
    echo "setup.sh: the grader could not run (exit $status)" >&2
    exit 1
fi
if grep -q '"status": "error"' "$report" || ! grep -q '"broken": null' "$report" ||
    grep -q '"broken": {' "$report"; then
    echo "setup.sh: the grader could not run every check on the stubs; its report:" >&2
    cat "$report" >&2
    exit 1
fi
rm -f "$report"
echo "setup.sh: the autograder is ready (Rust $toolchain)."
