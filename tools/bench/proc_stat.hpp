// Reading a process's CPU time and memory from the text of /proc/<pid>/stat and status. The
// parsing is pure (tested on literal text); read_proc_file is the only I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zchat::bench {

// utime + stime in clock ticks from /proc/<pid>/stat text; the command name may contain
// spaces and parentheses, so fields are counted from the last ')'.
std::optional<std::uint64_t> cpu_ticks(std::string_view stat_text);
// Nanoseconds on the CPU, the first field of /proc/<pid>/task/<tid>/schedstat text.
std::optional<std::uint64_t> schedstat_ns(std::string_view schedstat_text);
// A "Key:   1234 kB" value of /proc/<pid>/status text, in KiB ("VmHWM", "VmRSS").
std::optional<std::uint64_t> status_kib(std::string_view status_text, std::string_view key);

// The whole of a small /proc file, or nothing if it cannot be read (the process is gone).
std::optional<std::string> read_proc_file(const std::string& path);

// CPU seconds and memory of a live process; nothing if it is gone.
struct process_sample {
    double cpu_seconds = 0;
    std::uint64_t rss_kib = 0;
    std::uint64_t peak_rss_kib = 0;
};
std::optional<process_sample> sample_process(long pid);

} // namespace zchat::bench
