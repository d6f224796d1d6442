// What end-to-end tests ask of a finished or running process, worded so that a failure shows
// what the process printed instead.
#pragma once

#include "tests/e2e/process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace zchat::test {

// Everything a process printed, for failure messages.
inline std::string transcript(const process& p) {
    return "--- stdout:\n" + p.text(stream::out) + "--- stderr:\n" + p.text(stream::err) + "---";
}

// Waits until `p` prints `line` on `s`; on failure says what it printed instead.
inline ::testing::AssertionResult
prints(process& p, stream s, std::string_view line,
       std::chrono::milliseconds timeout = process::default_timeout) {
    if (p.wait_for_line(s, line, timeout))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "never printed \"" << line << "\" on "
                                         << (s == stream::out ? "stdout" : "stderr") << "\n"
                                         << transcript(p);
}

// The exit code as text, "no exit" if the process had to be killed: readable in failures.
inline std::string exit_of(process& p,
                           std::chrono::milliseconds timeout = process::default_timeout) {
    const std::optional<int> code = p.wait_for_exit(timeout);
    return code ? "exit " + std::to_string(*code) : "no exit";
}

} // namespace zchat::test
