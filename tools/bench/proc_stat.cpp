#include "tools/bench/proc_stat.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace zchat::bench {

std::optional<std::uint64_t> cpu_ticks(std::string_view stat_text) {
    const auto close = stat_text.rfind(')');
    if (close == std::string_view::npos)
        return std::nullopt;
    // After ") " come field 3 (state) onwards: utime (field 14) is the 12th token, stime the 13th.
    std::string_view rest = stat_text.substr(close + 1);
    std::uint64_t values[2] = {0, 0};
    for (int index = 0; index <= 12; ++index) {
        const auto start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos)
            return std::nullopt;
        rest.remove_prefix(start);
        const auto end = std::min(rest.find(' '), rest.size());
        const std::string_view field = rest.substr(0, end);
        if (index >= 11) {
            std::uint64_t& v = values[index - 11];
            const auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
            if (ec != std::errc{} || p != field.data() + field.size())
                return std::nullopt;
        }
        rest.remove_prefix(end);
    }
    return values[0] + values[1];
}

std::optional<std::uint64_t> schedstat_ns(std::string_view schedstat_text) {
    std::uint64_t v = 0;
    const auto [p, ec] =
        std::from_chars(schedstat_text.data(), schedstat_text.data() + schedstat_text.size(), v);
    if (ec != std::errc{} || p == schedstat_text.data())
        return std::nullopt;
    return v;
}

std::optional<std::uint64_t> status_kib(std::string_view status_text, std::string_view key) {
    std::size_t pos = 0;
    while (pos < status_text.size()) {
        const auto end = std::min(status_text.find('\n', pos), status_text.size());
        std::string_view line = status_text.substr(pos, end - pos);
        pos = end + 1;
        if (line.size() <= key.size() || !line.starts_with(key) || line[key.size()] != ':')
            continue;
        line.remove_prefix(key.size() + 1);
        const auto start = line.find_first_not_of(" \t");
        if (start == std::string_view::npos)
            return std::nullopt;
        line.remove_prefix(start);
        std::uint64_t v = 0;
        const auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
        if (ec != std::errc{})
            return std::nullopt;
        return v;
    }
    return std::nullopt;
}

std::optional<std::string> read_proc_file(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::optional<process_sample> sample_process(long pid) {
    const std::string dir = "/proc/" + std::to_string(pid) + "/";
    const auto stat = read_proc_file(dir + "stat");
    const auto status = read_proc_file(dir + "status");
    if (!stat || !status)
        return std::nullopt;
    const auto ticks = cpu_ticks(*stat);
    if (!ticks)
        return std::nullopt;
    process_sample s;
    s.cpu_seconds = static_cast<double>(*ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
    // The scheduler's per-thread nanoseconds are finer than clock ticks (10 ms): sum them
    // when every thread can be read.
    std::error_code ec;
    double precise = 0;
    bool complete = true;
    for (const auto& task : std::filesystem::directory_iterator(dir + "task", ec)) {
        const auto sched = read_proc_file(task.path().string() + "/schedstat");
        const auto ns = sched ? schedstat_ns(*sched) : std::nullopt;
        if (!ns) {
            complete = false;
            break;
        }
        precise += static_cast<double>(*ns) / 1e9;
    }
    if (!ec && complete && precise > 0)
        s.cpu_seconds = precise;
    s.rss_kib = status_kib(*status, "VmRSS").value_or(0);
    s.peak_rss_kib = status_kib(*status, "VmHWM").value_or(0);
    return s;
}

} // namespace zchat::bench
