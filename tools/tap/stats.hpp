// The tap's --stats mode: counts what the tap shows per fixed period and since the start, and
// hands out one report per period plus a summary at exit. Pure: time is an argument.
#pragma once

#include "tools/tap/note.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace zchat::tap {

// The kinds counted per period, in the order they are printed.
// Every event kind, then what did not decode.
inline constexpr auto counted_kinds = [] {
    std::array<std::string_view, proto::event_kind_names.size() + 1> kinds{};
    for (std::size_t i = 0; i < proto::event_kind_names.size(); ++i)
        kinds[i] = proto::event_kind_names[i].second;
    kinds.back() = "undecodable";
    return kinds;
}();

struct tally {
    std::array<std::uint64_t, counted_kinds.size()> by_kind{};
    std::uint64_t bytes = 0;
    std::uint64_t missed = 0;   // events lost (gaps)
    std::uint64_t restarts = 0; // new epochs after the first
    std::uint64_t alerts = 0;

    std::uint64_t events() const;
    void add(const tally& other);
};

// One period: what was shown during it, as totals and as rates.
struct period_report {
    std::chrono::duration<double> length{};
    tally counts;
    std::optional<std::uint32_t> online; // from the latest HEARTBEAT (or STATS), if any yet
    double events_per_second(std::size_t kind) const;
    double events_per_second() const;
    double bytes_per_second() const;
};

// Everything since the start, for the exit summary.
struct summary_report {
    std::chrono::duration<double> length{};
    tally counts;
    std::optional<std::uint32_t> online;
};

class stats_aggregator {
public:
    // Periods of `period` starting at `start`. period must be positive.
    stats_aggregator(std::chrono::nanoseconds period, steady_clock::time_point start);

    // Counts a note. Events and undecodable frames count only when shown; the online count is
    // taken from every HEARTBEAT and STATS, shown or not.
    void add(const note& n, bool shown);

    // The report of the period that ended at or before now, if one did; the next period starts
    // where it ended (a late call reports one period, then catches up on the next calls).
    std::optional<period_report> tick(steady_clock::time_point now);

    // When the current period ends.
    steady_clock::time_point next_tick() const { return period_end_; }

    // Totals from the start to now, the current partial period included.
    summary_report summary(steady_clock::time_point now) const;

private:
    std::chrono::nanoseconds period_;
    steady_clock::time_point start_;
    steady_clock::time_point period_end_;
    tally current_;
    tally done_;
    std::optional<std::uint32_t> online_;
};

} // namespace zchat::tap
