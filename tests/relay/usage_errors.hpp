// Runs zchat-relay with each mistaken command line (after endpoints to bind below) and expects
// exit code 2, one line on standard error, and nothing on standard output.
#pragma once

#include "tests/support/child_process.hpp"
#include "tests/support/outcome.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace zchat::test {

using usage_case = std::pair<std::vector<std::string>, std::string>; // arguments, the error

inline void expect_usage_errors(const std::vector<usage_case>& cases) {
    using lines = std::vector<std::string>;
    for (const auto& [args, message] : cases) {
        lines all{"--bind-router", "tcp://127.0.0.1:*", "--bind-pub", "tcp://127.0.0.1:*"};
        all.insert(all.end(), args.begin(), args.end());
        child_process p(ZCHAT_RELAY_PATH, all);
        EXPECT_EQ(exit_of(p), "exit 2") << transcript(p);
        EXPECT_EQ(p.lines(stream::err), lines{message});
        EXPECT_EQ(p.lines(stream::out), lines{});
    }
}

} // namespace zchat::test
