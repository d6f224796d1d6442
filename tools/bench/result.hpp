// What one bench run measured, the figures derived from it, and the comparisons between runs:
// zchat against the baseline forwarder, and a capacity step against its thresholds. Pure
// arithmetic on counts and histograms: no sockets, no clock, no /proc.
#pragma once

#include "tools/bench/histogram.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zchat::bench {

// Raw counts of one run over its measured window (lines whose intended send time falls in it).
struct run_result {
    std::string target;        // "zchat" or "baseline"
    double offered_rate = 0;   // lines/s asked for
    std::uint32_t clients = 0; // every client subscribes; each line is due to all of its room
    std::uint32_t publishers = 0;
    // The rooms the clients are spread over (1: all in the default room).
    std::uint32_t rooms = 1;
    std::size_t payload_bytes = 0;
    double seconds = 0; // length of the measured window

    std::uint64_t lines_due = 0;   // scheduled in the window
    std::uint64_t lines_sent = 0;  // of those, sent (possibly late)
    std::uint64_t lines_acked = 0; // of those, ACKed
    std::uint64_t refused = 0;     // ERROR replies to SAYs of the window
    std::uint64_t deliveries = 0;  // LINE events of the window received, all subscribers
    std::uint64_t gap_loss = 0;    // lines missing between received ones (message ids)
    std::uint64_t seq_gaps = 0;    // events missing by the broker's sequence numbers
    histogram ack_latency;         // ns, from intended send time to ACK
    histogram e2e_latency;         // ns, from intended send time to LINE received
    histogram send_lag;            // ns, from intended to actual send time
    // Each line due x the clients of its room (its sender included): the deliveries expected.
    std::uint64_t deliveries_due = 0;

    // From the first client's connection to the last client's own JOIN seen (the join storm of
    // the run's start, all workers together): the time until every client was connected.
    std::optional<double> join_seconds;

    // Process figures over the window; nullopt when unknown (an external broker without pid).
    std::optional<double> broker_cpu_seconds;
    std::optional<double> broker_peak_rss_kib;
    std::optional<double> broker_rss_kib; // resident at the window's end
    double bench_cpu_seconds = 0;         // the whole bench process(es)
    double bench_loop_cpu_seconds = 0;    // the client loop thread(s) alone
    std::uint32_t bench_loop_threads = 1;
    std::string first_error; // the first ERROR a joined client received, if any

    // Churn (leave and join again) over the window, and the online counts JOIN and LEAVE
    // announced: each must differ from the one before by exactly one.
    std::uint64_t joins = 0;
    std::uint64_t leaves = 0;
    std::uint64_t churn_skipped = 0; // turns that came while the client was still joining
    histogram join_latency;          // ns, from when the rejoin was due to the client's JOIN
    std::uint64_t presence_events = 0;
    std::uint64_t online_mismatches = 0;
    std::optional<std::int64_t> initial_online;
    std::optional<std::int64_t> final_online;
};

// Adds a worker's share of a run to the whole: counts add up, histograms merge, CPU seconds
// add up and loop threads are counted. The run's settings (rate, publishers, rooms, ...) and the
// process figures of the broker are left alone.
void merge(run_result& whole, const run_result& part);

// A line-based text form of the counts and histograms (not the process figures), for a worker
// process to hand its share to the orchestrator; parse_run_result returns nothing on bad input.
std::string serialize(const run_result& r);
std::optional<run_result> parse_run_result(const std::string& text);

// Derived figures.
double expected_deliveries(const run_result& r); // deliveries_due
double achieved_rate(const run_result& r);       // lines ACKed per second
double delivery_rate(const run_result& r);       // LINE deliveries per second
double loss_fraction(const run_result& r);       // 1 - deliveries / expected
double per_subscriber_loss(const run_result& r); // gap_loss / expected
std::optional<double> broker_cpu_per_delivery_us(const run_result& r);
double bench_cpu_per_delivery_us(const run_result& r);

// Whether the load generator rather than the broker limited the run: its loop thread was busy
// at least 90 % of the window, or lines left more than 10 ms after they were due at p99.
bool generator_bound(const run_result& r);
// Why, in words, or empty when it was not.
std::string generator_note(const run_result& r);

// Capacity thresholds: a step passes when loss <= 0.1 % and the end-to-end p99 <= 50 ms, and
// the generator actually sent (and had ACKed) at least 95 % of what was due.
struct capacity_limits {
    double max_loss = 0.001;
    double max_p99_ms = 50;
    double min_acked = 0.95;
};
bool passes(const run_result& r, const capacity_limits& limits = {});
// Why a step failed, in words ("loss 0.52 % > 0.1 %").
std::string failure_reason(const run_result& r, const capacity_limits& limits = {});
// The next offered rate of a capacity search.
inline double next_capacity_rate(double rate) {
    return rate * 1.5;
}

// One named figure of a run, for tables, JSON and CSV.
struct figure {
    std::string key;   // machine name, e.g. "e2e_p99_ms"
    std::string label; // human name, e.g. "end-to-end p99"
    std::string unit;  // "lines/s", "ms", ...
    std::optional<double> value;
    bool lower_is_better = true;
};
std::vector<figure> figures(const run_result& r);

// zchat / baseline for a value pair; nullopt when either is missing or the baseline is 0.
std::optional<double> ratio(std::optional<double> zchat, std::optional<double> baseline);

} // namespace zchat::bench
