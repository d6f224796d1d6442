#include "tools/tap/stats.hpp"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace zchat::tap {

namespace {

std::size_t kind_index(std::string_view kind) {
    const auto it = std::find(counted_kinds.begin(), counted_kinds.end(), kind);
    return static_cast<std::size_t>(it - counted_kinds.begin());
}

double per_second(std::uint64_t n, std::chrono::duration<double> length) {
    return length.count() > 0 ? static_cast<double>(n) / length.count() : 0.0;
}

} // namespace

std::uint64_t tally::events() const {
    return std::accumulate(by_kind.begin(), by_kind.end(), std::uint64_t{0});
}

void tally::add(const tally& other) {
    for (std::size_t i = 0; i < by_kind.size(); ++i)
        by_kind[i] += other.by_kind[i];
    bytes += other.bytes;
    missed += other.missed;
    restarts += other.restarts;
    alerts += other.alerts;
}

double period_report::events_per_second(std::size_t kind) const {
    return per_second(counts.by_kind.at(kind), length);
}

double period_report::events_per_second() const {
    return per_second(counts.events(), length);
}

double period_report::bytes_per_second() const {
    return per_second(counts.bytes, length);
}

stats_aggregator::stats_aggregator(std::chrono::nanoseconds period, steady_clock::time_point start)
    : period_(period), start_(start), period_end_(start + period) {
    assert(period.count() > 0);
}

void stats_aggregator::add(const note& n, bool shown) {
    if (const auto* o = std::get_if<observed_event>(&n.body)) {
        if (const auto* hb = std::get_if<proto::heartbeat>(&o->event))
            online_ = hb->online;
        else if (const auto* st = std::get_if<proto::stats>(&o->event))
            online_ = st->online;
        if (shown) {
            ++current_.by_kind.at(kind_index(proto::kind_name(o->event)));
            current_.bytes += o->bytes;
        }
    } else if (const auto* u = std::get_if<undecodable>(&n.body)) {
        if (shown) {
            ++current_.by_kind.at(kind_index("undecodable"));
            current_.bytes += u->bytes;
        }
    } else if (const auto* g = std::get_if<gap>(&n.body)) {
        current_.missed += g->missed();
    } else if (std::holds_alternative<restart>(n.body)) {
        ++current_.restarts;
    } else if (std::holds_alternative<alert>(n.body)) {
        ++current_.alerts;
    }
}

std::optional<period_report> stats_aggregator::tick(steady_clock::time_point now) {
    if (now < period_end_)
        return std::nullopt;
    period_report r;
    r.length = period_;
    r.counts = current_;
    r.online = online_;
    done_.add(current_);
    current_ = {};
    period_end_ += period_;
    return r;
}

summary_report stats_aggregator::summary(steady_clock::time_point now) const {
    summary_report s;
    s.length = now - start_;
    s.counts = done_;
    s.counts.add(current_);
    s.online = online_;
    return s;
}

} // namespace zchat::tap
