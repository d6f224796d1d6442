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
    // A relay's counters come from the relay, in its own epoch: they say nothing of the broker's
    // run, liveness or sequences, and are shown as they are.
    if (event && std::holds_alternative<proto::relay_stats>(event->event)) {
        out.push_back({now, std::move(*event)});
        return out;
    }
    if (silent_ && last_arrival_) {
        back b;
        b.silent_ms = elapsed_ms(*last_arrival_, now.steady);
        if (event) {
            b.epoch = epoch_of(event->event);
            b.new_epoch = epoch_ && *epoch_ != b.epoch;
        } else {
            b.epoch = epoch_.value_or(0);
        }
        out.push_back({now, b});
    }
    silent_ = false;
    last_arrival_ = now.steady;

    if (event) {
        const proto::event& e = event->event;
        const std::uint64_t epoch = epoch_of(e);
        if (epoch_ && *epoch_ != epoch) {
            // Counting starts again in every room (section 7).
            out.push_back({now, restart{*epoch_, epoch}});
            ++restarts_;
            rooms_.clear();
        }
        epoch_ = epoch;
        if (proto::sequenced(proto::event_kind_of(e)))
            follow_sequence(std::string{room_of(e)}, stream_of(e), epoch, seq_of(e), true, e, now,
                            out);
        else if (const auto* hb = std::get_if<proto::heartbeat>(&e))
            // Only rooms already followed: a head cannot start a room's count, so the rooms
            // followed are the ones that had events, and emptied ones are let go (below).
            for (const proto::room_head& head : hb->heads)
                if (rooms_.contains(head.room)) {
                    follow_sequence(head.room, "chat", epoch, head.seq, false, e, now, out);
                    follow_sequence(head.room, "presence", epoch, head.roster_version, false, e,
                                    now, out);
                }
        follow_roster(e, now, out);
        // An empty room has nothing more to lose until someone enters it, and the broker may
        // forget it: so does the tap, which thus follows no more rooms than have members.
        if (const auto* l = std::get_if<proto::left>(&e); l && l->online == 0)
            rooms_.erase(l->room);
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

bool monitor::receives_all(std::string_view topic) const {
    return !options_.receives_all || options_.receives_all(topic);
}

void monitor::follow_sequence(const std::string& room, std::string_view stream, std::uint64_t epoch,
                              std::uint64_t seq, bool sequenced, const proto::event& e, stamp now,
                              std::vector<note>& out) {
    using verdict = proto::sequence_verdict::kind;
    const bool chat = stream == "chat";
    room_state& r = rooms_[room];
    proto::sequence_tracker& sequence = chat ? r.chat : r.presence;
    const proto::sequence_verdict v = sequence.follow(epoch, seq, sequenced);
    switch (v.what) {
    case verdict::restart:
    case verdict::reopened:
    case verdict::first:
        // Counting starts here (section 7, rule 1).
        if (!chat)
            r.roster.reset();
        break;
    case verdict::backwards: {
        alert a = make_alert(alert_kind::seq_backwards, e,
                             std::string{proto::kind_name(e)} + " with " + std::string{stream} +
                                 " seq " + std::to_string(seq) + " in #" + room + " after seq " +
                                 std::to_string(v.latest) + " in the same epoch");
        a.room = room;
        a.seq = seq;
        a.previous_seq = v.latest;
        out.push_back({now, std::move(a)});
        break;
    }
    case verdict::gap:
        // Without the whole topic, a jump is just what the subscription leaves out.
        if (!receives_all(chat ? proto::chat_topic(room) : proto::presence_topic(room)))
            break;
        missed_ += v.missed();
        out.push_back(
            {now, gap{room, chat ? "chat" : "presence", epoch, v.first_missed, v.last_missed}});
        // Presence events were among the missed ones: the known roster is stale.
        if (!chat)
            r.roster.reset();
        break;
    case verdict::in_order:
        break;
    }
}

void monitor::follow_roster(const proto::event& e, stamp now, std::vector<note>& out) {
    auto presence = [&](const std::string& room, std::uint32_t online, std::uint64_t version,
                        int delta) {
        room_state& r = rooms_[room];
        // A roster version exactly one above the known one means no JOIN or LEAVE came between,
        // whatever the subscription, so the count must have moved by exactly one.
        if (r.roster && version == r.roster->version + 1) {
            const auto expected =
                static_cast<std::uint32_t>(static_cast<std::int64_t>(r.roster->online) + delta);
            if (online != expected) {
                alert a = make_alert(
                    alert_kind::online_mismatch, e,
                    std::string{proto::kind_name(e)} + " says " + std::to_string(online) +
                        " online in #" + room + ", expected " + std::to_string(expected) +
                        " from roster version " + std::to_string(r.roster->version));
                a.room = room;
                a.online = online;
                a.expected_online = expected;
                a.roster_version = version;
                out.push_back({now, std::move(a)});
            }
        }
        r.roster = roster_state{version, online};
    };
    if (const auto* j = std::get_if<proto::joined>(&e))
        presence(j->room, j->online, j->seq, +1);
    else if (const auto* l = std::get_if<proto::left>(&e))
        presence(l->room, l->online, l->seq, -1);
}

alert monitor::make_alert(alert_kind kind, const proto::event& e, std::string message) {
    ++alerts_;
    alert a;
    a.kind = kind;
    a.message = std::move(message);
    a.epoch = epoch_of(e);
    if (proto::sequenced(proto::event_kind_of(e)))
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
    a.epoch = epoch_.value_or(0);
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
