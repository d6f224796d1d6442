#include "tools/tap/monitor.hpp"

#include <string>
#include <utility>

namespace zchat::tap {

namespace {

std::uint64_t elapsed_ms(steady_clock::time_point from, steady_clock::time_point to) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
    return ms > 0 ? static_cast<std::uint64_t>(ms) : 0;
}

} // namespace

monitor::monitor(monitor_options options) : options_(options) {}

std::vector<note> monitor::observe(observation what, stamp now) {
    std::vector<note> out;
    const auto* event = std::get_if<observed_event>(&what);
    if (silent_ && last_arrival_) {
        back b;
        b.silent_ms = elapsed_ms(*last_arrival_, now.steady);
        if (event) {
            b.epoch = epoch_of(event->event);
            b.new_epoch = sequence_.epoch() && *sequence_.epoch() != b.epoch;
        } else {
            b.epoch = sequence_.epoch().value_or(0);
        }
        out.push_back({now, b});
    }
    silent_ = false;
    last_arrival_ = now.steady;

    if (event) {
        follow_sequence(event->event, now, out);
        follow_roster(event->event, now, out);
        if (const auto* hb = std::get_if<proto::heartbeat>(&event->event); hb && hb->interval_ms)
            interval_ms_ = hb->interval_ms;
        shutdown_seen_ = std::holds_alternative<proto::shutdown>(event->event);
    } else {
        ++undecodable_;
    }
    out.push_back(
        {now, std::visit([](auto&& x) { return note_body{std::move(x)}; }, std::move(what))});
    return out;
}

void monitor::follow_sequence(const proto::event& e, stamp now, std::vector<note>& out) {
    using verdict = proto::sequence_verdict::kind;
    const std::uint64_t epoch = epoch_of(e);
    const std::uint64_t seq = seq_of(e);
    const proto::sequence_verdict v =
        sequence_.follow(epoch, seq, proto::sequenced(proto::event_kind_of(e)));
    switch (v.what) {
    case verdict::restart:
        out.push_back({now, restart{v.previous_epoch, epoch}});
        ++restarts_;
        roster_.reset();
        break;
    case verdict::first:
        // Counting starts here (section 7, rule 1).
        roster_.reset();
        break;
    case verdict::backwards: {
        alert a = make_alert(alert_kind::seq_backwards, e,
                             std::string{proto::kind_name(e)} + " with seq " + std::to_string(seq) +
                                 " after seq " + std::to_string(v.latest) + " in the same epoch");
        a.previous_seq = v.latest;
        out.push_back({now, std::move(a)});
        break;
    }
    case verdict::gap:
        // Without every sequenced topic, a jump is just what the subscription leaves out.
        if (!options_.complete_sequence)
            break;
        missed_ += v.missed();
        out.push_back({now, gap{epoch, v.first_missed, v.last_missed}});
        // Presence events may be among the missed ones: the known roster is stale.
        roster_.reset();
        break;
    case verdict::in_order:
        break;
    }
}

void monitor::follow_roster(const proto::event& e, stamp now, std::vector<note>& out) {
    auto check = [&](std::uint32_t online, std::uint32_t expected, std::uint64_t version,
                     std::string why) {
        if (online == expected)
            return;
        alert a = make_alert(alert_kind::online_mismatch, e,
                             std::string{proto::kind_name(e)} + " says " + std::to_string(online) +
                                 " online, expected " + std::to_string(expected) + " " + why);
        a.online = online;
        a.expected_online = expected;
        a.roster_version = version;
        out.push_back({now, std::move(a)});
    };
    auto presence = [&](std::uint32_t online, std::uint64_t version, int delta) {
        // A roster version exactly one above the known one means no JOIN or LEAVE came between,
        // whatever the subscription, so the count must have moved by exactly one.
        if (roster_ && version == roster_->version + 1) {
            const auto expected =
                static_cast<std::uint32_t>(static_cast<std::int64_t>(roster_->online) + delta);
            check(online, expected, version,
                  "from roster version " + std::to_string(roster_->version));
        }
        roster_ = roster_state{version, online};
    };
    if (const auto* j = std::get_if<proto::joined>(&e)) {
        presence(j->online, j->roster_version, +1);
    } else if (const auto* l = std::get_if<proto::left>(&e)) {
        presence(l->online, l->roster_version, -1);
    } else if (const auto* hb = std::get_if<proto::heartbeat>(&e)) {
        if (roster_ && hb->roster_version == roster_->version)
            check(hb->online, roster_->online, hb->roster_version,
                  "at the same roster version " + std::to_string(hb->roster_version));
        roster_ = roster_state{hb->roster_version, hb->online};
    } else if (const auto* st = std::get_if<proto::stats>(&e)) {
        // STATS has no roster version: only a tap that sees every JOIN and LEAVE knows the count.
        if (roster_ && options_.complete_presence)
            check(st->online, roster_->online, roster_->version,
                  "at roster version " + std::to_string(roster_->version));
    }
}

alert monitor::make_alert(alert_kind kind, const proto::event& e, std::string message) {
    ++alerts_;
    alert a;
    a.kind = kind;
    a.message = std::move(message);
    a.epoch = epoch_of(e);
    a.seq = seq_of(e);
    return a;
}

std::vector<note> monitor::check(stamp now) {
    std::vector<note> out;
    const auto due = next_check();
    if (!due || now.steady < *due)
        return out;
    silent_ = true;
    ++alerts_;
    alert a;
    a.kind = alert_kind::heartbeat_missing;
    a.silent_ms = elapsed_ms(*last_arrival_, now.steady);
    a.interval_ms = interval_ms_;
    a.epoch = sequence_.epoch().value_or(0);
    a.message = "no event for " + std::to_string(*a.silent_ms) + " ms (heartbeat every " +
                std::to_string(*interval_ms_) +
                " ms): " + (shutdown_seen_ ? "the broker has shut down" : "broker gone?");
    out.push_back({now, std::move(a)});
    return out;
}

std::optional<steady_clock::time_point> monitor::next_check() const {
    if (silent_ || !interval_ms_ || !last_arrival_)
        return std::nullopt;
    return *last_arrival_ +
           proto::silence_limit(std::chrono::milliseconds(*interval_ms_), options_.liveness);
}

} // namespace zchat::tap
