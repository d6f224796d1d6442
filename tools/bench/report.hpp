// Turning run results into what the bench prints: the human table (zchat, baseline, ratio), the
// closing ratio line, JSON and CSV. Pure string building: no I/O.
#pragma once

#include "tools/bench/result.hpp"

#include <optional>
#include <string>
#include <vector>

namespace zchat::bench {

// A run of zchat and, with --baseline, the same workload against the forwarder and at the
// one-hop limit (the forwarder publishing the lines itself: no broker hop).
struct comparison {
    run_result zchat;
    std::optional<run_result> baseline;
    std::optional<run_result> one_hop;
};

// 412345.6 -> "412,346".
std::string thousands(double value);

// The table of every figure, with the baseline and zchat/baseline columns when there is a
// baseline, and the one-hop and zchat/one-hop columns when there is a one-hop run, followed by
// a note for each run the generator limited.
std::string human_table(const comparison& c);

// The closing line. mode "capacity": "capacity 412,345 lines/s x 100 clients = 0.93x baseline,
// 0.41x one-hop"; otherwise "fixed 1,000 lines/s x 10 clients: 10,000 deliveries/s, e2e p99
// 0.52 ms = 1.00x baseline deliveries, p99 1.10x baseline; 1.00x one-hop deliveries, p99 1.60x
// one-hop". Without a baseline the ratio part reads "(no baseline)". Over several rooms "x 30
// clients in 3 rooms".
std::string ratio_line(const std::string& mode, const comparison& c);

// Capacity with a baseline: end-to-end latency of zchat against the forwarder at each rate both
// passed, the comparison of equal loads the p50 and p99 targets are about. One line a rate:
// "  at 1,000 lines/s: e2e p50 0.340 / 0.330 ms (1.03x), p99 0.570 / 1.11 ms (0.51x)". The last
// passing run at a rate counts. Empty when no rate was passed by both.
std::string equal_load_lines(const std::vector<run_result>& steps);

// One JSON document: {"mode":..., "zchat":{figures}, "baseline":{figures} or null,
// "one_hop":{figures} or null, "ratios":{figure: zchat/baseline}, "ratios_one_hop":{figure:
// zchat/one-hop}, "steps":[every run of a capacity search, with "passed" and "failure"]}.
std::string json_report(const std::string& mode, const comparison& result,
                        const std::vector<run_result>& steps);

// CSV: a header and one row per run (zchat, baseline and one-hop rows alike), figures as columns.
std::string csv_header();
std::string csv_rows(const std::string& mode, const comparison& c);

} // namespace zchat::bench
