// What /proc (proc(5)) says about a running process: its resident memory and its open
// descriptors, for tests that hold a broker to bounds. Linux only, as the tests are.
#pragma once

#include "tests/support/child_process.hpp"

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace zchat::test {

// The process's resident set (VmRSS) in KiB. Throws process_error if /proc has none for it
// (the process is gone).
inline std::size_t rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with("VmRSS:"))
            return std::stoul(line.substr(6));
    }
    throw process_error("no VmRSS for process " + std::to_string(pid));
}

// How many descriptors the process has open (0 once it is gone).
inline std::size_t open_fds(pid_t pid) {
    std::error_code ec;
    std::size_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
         !ec && it != end; it.increment(ec))
        ++n;
    return n;
}

} // namespace zchat::test
