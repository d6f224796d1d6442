#include "tools/bench/result.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace zchat::bench {
namespace {

constexpr double ns_per_ms = 1e6;

double per_second(double count, double seconds) {
    return seconds > 0 ? count / seconds : 0;
}

std::string percent(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g %%", fraction * 100);
    return text;
}

} // namespace

void merge(run_result& whole, const run_result& part) {
    whole.clients += part.clients;
    whole.lines_due += part.lines_due;
    whole.deliveries_due += part.deliveries_due;
    whole.lines_sent += part.lines_sent;
    whole.lines_acked += part.lines_acked;
    whole.refused += part.refused;
    whole.deliveries += part.deliveries;
    whole.gap_loss += part.gap_loss;
    whole.seq_gaps += part.seq_gaps;
    whole.ack_latency.merge(part.ack_latency);
    whole.e2e_latency.merge(part.e2e_latency);
    whole.send_lag.merge(part.send_lag);
    whole.bench_loop_cpu_seconds += part.bench_loop_cpu_seconds;
    whole.bench_loop_threads += part.bench_loop_threads;
    if (whole.first_error.empty())
        whole.first_error = part.first_error;
}

std::string serialize(const run_result& r) {
    std::ostringstream out;
    out.precision(17);
    out << "target " << r.target << "\noffered_rate " << r.offered_rate << "\nclients " << r.clients
        << "\npublishers " << r.publishers << "\npayload_bytes " << r.payload_bytes << "\nseconds "
        << r.seconds << "\nlines_due " << r.lines_due << "\nlines_sent " << r.lines_sent
        << "\nlines_acked " << r.lines_acked << "\nrefused " << r.refused << "\ndeliveries "
        << r.deliveries << "\ngap_loss " << r.gap_loss << "\nseq_gaps " << r.seq_gaps
        << "\nloop_cpu " << r.bench_loop_cpu_seconds << "\nloop_threads " << r.bench_loop_threads
        << "\nack " << r.ack_latency.serialize() << "\ne2e " << r.e2e_latency.serialize()
        << "\nlag " << r.send_lag.serialize() << "\ndeliveries_due " << r.deliveries_due
        << "\nerror " << r.first_error << "\nend\n";
    return out.str();
}

std::optional<run_result> parse_run_result(const std::string& text) {
    run_result r;
    std::istringstream in(text);
    std::string line;
    bool ended = false;
    while (std::getline(in, line)) {
        const auto space = line.find(' ');
        const std::string key = line.substr(0, space);
        const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
        std::istringstream v(value);
        bool ok = true;
        if (key == "end") {
            ended = true;
            break;
        } else if (key == "target")
            r.target = value;
        else if (key == "error")
            r.first_error = value;
        else if (key == "ack")
            ok = r.ack_latency.parse(value);
        else if (key == "e2e")
            ok = r.e2e_latency.parse(value);
        else if (key == "lag")
            ok = r.send_lag.parse(value);
        else if (key == "offered_rate")
            ok = static_cast<bool>(v >> r.offered_rate);
        else if (key == "clients")
            ok = static_cast<bool>(v >> r.clients);
        else if (key == "publishers")
            ok = static_cast<bool>(v >> r.publishers);
        else if (key == "payload_bytes")
            ok = static_cast<bool>(v >> r.payload_bytes);
        else if (key == "seconds")
            ok = static_cast<bool>(v >> r.seconds);
        else if (key == "lines_due")
            ok = static_cast<bool>(v >> r.lines_due);
        else if (key == "deliveries_due")
            ok = static_cast<bool>(v >> r.deliveries_due);
        else if (key == "lines_sent")
            ok = static_cast<bool>(v >> r.lines_sent);
        else if (key == "lines_acked")
            ok = static_cast<bool>(v >> r.lines_acked);
        else if (key == "refused")
            ok = static_cast<bool>(v >> r.refused);
        else if (key == "deliveries")
            ok = static_cast<bool>(v >> r.deliveries);
        else if (key == "gap_loss")
            ok = static_cast<bool>(v >> r.gap_loss);
        else if (key == "seq_gaps")
            ok = static_cast<bool>(v >> r.seq_gaps);
        else if (key == "loop_cpu")
            ok = static_cast<bool>(v >> r.bench_loop_cpu_seconds);
        else if (key == "loop_threads")
            ok = static_cast<bool>(v >> r.bench_loop_threads);
        else
            ok = false;
        if (!ok)
            return std::nullopt;
    }
    if (!ended)
        return std::nullopt;
    return r;
}

double expected_deliveries(const run_result& r) {
    return static_cast<double>(r.deliveries_due);
}

double achieved_rate(const run_result& r) {
    return per_second(static_cast<double>(r.lines_acked), r.seconds);
}

double delivery_rate(const run_result& r) {
    return per_second(static_cast<double>(r.deliveries), r.seconds);
}

double loss_fraction(const run_result& r) {
    const double expected = expected_deliveries(r);
    if (expected <= 0)
        return 0;
    return std::max(0.0, (expected - static_cast<double>(r.deliveries)) / expected);
}

double per_subscriber_loss(const run_result& r) {
    const double expected = expected_deliveries(r);
    return expected > 0 ? static_cast<double>(r.gap_loss) / expected : 0;
}

std::optional<double> broker_cpu_per_delivery_us(const run_result& r) {
    if (!r.broker_cpu_seconds || r.deliveries == 0)
        return std::nullopt;
    return *r.broker_cpu_seconds * 1e6 / static_cast<double>(r.deliveries);
}

double bench_cpu_per_delivery_us(const run_result& r) {
    return r.deliveries ? r.bench_cpu_seconds * 1e6 / static_cast<double>(r.deliveries) : 0;
}

bool generator_bound(const run_result& r) {
    return !generator_note(r).empty();
}

std::string generator_note(const run_result& r) {
    char text[200];
    const double threads = std::max<std::uint32_t>(r.bench_loop_threads, 1);
    const double busy = r.seconds > 0 ? r.bench_loop_cpu_seconds / (r.seconds * threads) : 0;
    if (busy >= 0.9) {
        std::snprintf(text, sizeof text, "the bench's client loop was %.0f %% busy", busy * 100);
        return text;
    }
    const double lag_ms = static_cast<double>(r.send_lag.percentile(99)) / ns_per_ms;
    if (r.send_lag.count() > 0 && lag_ms > 10) {
        std::snprintf(text, sizeof text, "lines left %.1f ms after they were due (p99)", lag_ms);
        return text;
    }
    return {};
}

bool passes(const run_result& r, const capacity_limits& limits) {
    return failure_reason(r, limits).empty();
}

std::string failure_reason(const run_result& r, const capacity_limits& limits) {
    if (r.lines_due == 0)
        return "nothing was due";
    if (loss_fraction(r) > limits.max_loss)
        return "loss " + percent(loss_fraction(r)) + " > " + percent(limits.max_loss);
    const double p99 = static_cast<double>(r.e2e_latency.percentile(99)) / ns_per_ms;
    if (p99 > limits.max_p99_ms) {
        char text[80];
        std::snprintf(text, sizeof text, "end-to-end p99 %.1f ms > %.0f ms", p99,
                      limits.max_p99_ms);
        return text;
    }
    const double acked = static_cast<double>(r.lines_acked) / static_cast<double>(r.lines_due);
    if (acked < limits.min_acked)
        return "only " + percent(acked) + " of the lines due were sent and ACKed";
    return {};
}

std::vector<figure> figures(const run_result& r) {
    std::vector<figure> f;
    auto add = [&](std::string key, std::string label, std::string unit,
                   std::optional<double> value, bool lower_is_better) {
        f.push_back({std::move(key), std::move(label), std::move(unit), value, lower_is_better});
    };
    auto latency = [&](const std::string& key, const std::string& label, const histogram& h) {
        const std::pair<const char*, double> points[] = {
            {"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}};
        auto ms = [](std::uint64_t ns) { return static_cast<double>(ns) / ns_per_ms; };
        const bool any = h.count() > 0;
        add(key + "_min_ms", label + " min", "ms", any ? std::optional(ms(h.min())) : std::nullopt,
            true);
        for (const auto& [name, p] : points) {
            std::string k = name;
            if (k == "p99.9")
                k = "p999";
            add(key + "_" + k + "_ms", label + " " + name, "ms",
                any ? std::optional(ms(h.percentile(p))) : std::nullopt, true);
        }
        add(key + "_max_ms", label + " max", "ms", any ? std::optional(ms(h.max())) : std::nullopt,
            true);
    };
    add("offered_lines_per_s", "offered", "lines/s", r.offered_rate, false);
    add("achieved_lines_per_s", "achieved", "lines/s", achieved_rate(r), false);
    add("deliveries_per_s", "deliveries", "/s", delivery_rate(r), false);
    add("loss_percent", "loss (expected vs received)", "%", loss_fraction(r) * 100, true);
    add("gap_loss_percent", "loss (message-id gaps, per subscriber)", "%",
        per_subscriber_loss(r) * 100, true);
    add("seq_gaps", "broker seq gaps (all subscribers)", "events", static_cast<double>(r.seq_gaps),
        true);
    add("refused", "refused SAYs (ERROR)", "lines", static_cast<double>(r.refused), true);
    latency("ack", "ACK latency", r.ack_latency);
    latency("e2e", "end-to-end latency", r.e2e_latency);
    add("broker_cpu_s", "broker CPU", "s", r.broker_cpu_seconds, true);
    add("broker_cpu_per_delivery_us", "broker CPU per delivery", "us",
        broker_cpu_per_delivery_us(r), true);
    add("broker_peak_rss_mib", "broker peak RSS", "MiB",
        r.broker_peak_rss_kib ? std::optional(*r.broker_peak_rss_kib / 1024) : std::nullopt, true);
    add("bench_cpu_s", "bench CPU", "s", r.bench_cpu_seconds, true);
    add("bench_cpu_per_delivery_us", "bench CPU per delivery", "us", bench_cpu_per_delivery_us(r),
        true);
    add("send_lag_p99_ms", "send lag p99", "ms",
        static_cast<double>(r.send_lag.percentile(99)) / ns_per_ms, true);
    add("join_s", "all clients joined in", "s", r.join_seconds, true);
    return f;
}

std::optional<double> ratio(std::optional<double> zchat, std::optional<double> baseline) {
    if (!zchat || !baseline || *baseline == 0)
        return std::nullopt;
    return *zchat / *baseline;
}

} // namespace zchat::bench
