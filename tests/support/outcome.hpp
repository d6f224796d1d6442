// What tests ask of a finished or running child process, worded as GoogleTest assertions so
// that a failure shows what the process printed instead.
#pragma once

#include "tests/support/child_process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

namespace zchat::test {

// Everything a process printed, for failure messages.
inline std::string transcript(const child_process& p) {
    return "--- stdout:\n" + p.text(stream::out) + "--- stderr:\n" + p.text(stream::err) + "---";
}

// Waits until `p` prints a line on `s` that `match` accepts; on failure says what it printed
// instead.
inline ::testing::AssertionResult
prints(child_process& p, stream s, const line_matcher& match,
       std::chrono::milliseconds timeout = child_process::default_timeout) {
    if (p.wait_for_line(s, match, timeout))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "never printed " << match.description << " on "
                                         << (s == stream::out ? "stdout" : "stderr") << "\n"
                                         << transcript(p);
}

// The exit code as text, "no exit" if the process had to be killed: readable in failures.
inline std::string exit_of(child_process& p,
                           std::chrono::milliseconds timeout = child_process::default_timeout) {
    const std::optional<int> code = p.wait_for_exit(timeout);
    return code ? "exit " + std::to_string(*code) : "no exit";
}

} // namespace zchat::test
