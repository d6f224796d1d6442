// The tap's judgement: follows each room's two sequences (chat and presence) by epoch and seq,
// the broker's heartbeat and each room's online count, and says what it sees (the event itself)
// and what it concludes (gaps, restarts, alerts, the broker coming back). Pure: time is an
// argument, nothing is printed.
//
// Rules (PROTOCOL.md section 7): the first event of a sequence sets (epoch, last) without a gap,
// because of the slow joiner; a new epoch is a restart, not a gap. Gaps are counted only in a
// sequence whose whole topic the tap receives (chat/<room>/ or presence/<room>/): otherwise a
// jump in seq is just what the subscription leaves out. HEARTBEAT's room heads show losses at
// the end of a sequence. Sequence numbers going backwards are flagged in every case.
//
// A presence event without an online count cannot reach the monitor: the codec refuses a JOIN
// or LEAVE without its online field, so such a message arrives as undecodable.
#pragma once

#include "tools/tap/note.hpp"

#include "proto/defaults.hpp"
#include "proto/sequence_tracker.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zchat::tap {

struct monitor_options {
    // Whether the tap receives every message under a topic (such as "chat/dev/"): then gaps in
    // that room's sequence are losses, and for presence, online counts can be checked. Unset:
    // every topic.
    std::function<bool(std::string_view topic)> receives_all;
    // Heartbeat intervals without any event after which the broker is considered gone.
    // The broker does not announce its liveness, so the tap assumes the default.
    std::uint32_t liveness = proto::default_liveness;
};

class monitor {
public:
    explicit monitor(monitor_options options = {});

    // Takes one arrival and returns, in order, what to report: a `back` if the broker had gone
    // silent, a `restart` on a new epoch, a `gap` or alerts, then the observation itself.
    std::vector<note> observe(observation what, stamp now);

    // Returns a heartbeat_missing alert once when the broker has been silent for liveness x its
    // heartbeat interval (known from a HEARTBEAT); nothing before the first heartbeat.
    std::vector<note> check(stamp now);

    // When check() should next be called, if a heartbeat interval is known.
    std::optional<steady_clock::time_point> next_check() const;

    // Totals since the start.
    std::uint64_t missed() const { return missed_; }
    std::uint64_t restarts() const { return restarts_; }
    std::uint64_t alerts() const { return alerts_; }
    std::uint64_t undecodable_count() const { return undecodable_; }

private:
    struct roster_state {
        std::uint64_t version = 0;
        std::uint32_t online = 0;
    };
    // One room's sequences, and its members as its presence events tell.
    struct room_state {
        proto::sequence_tracker chat;
        proto::sequence_tracker presence;
        std::optional<roster_state> roster;
    };

    bool receives_all(std::string_view topic) const;
    // Follows one of a room's sequences (stream "chat" or "presence") with an event or a head.
    void follow_sequence(const std::string& room, std::string_view stream, std::uint64_t epoch,
                         std::uint64_t seq, bool sequenced, const proto::event& e, stamp now,
                         std::vector<note>& out);
    void follow_roster(const proto::event& e, stamp now, std::vector<note>& out);
    alert make_alert(alert_kind kind, const proto::event& e, std::string message);

    monitor_options options_;
    // The epoch of the last event, which every room follows: a new one is a restart.
    std::optional<std::uint64_t> epoch_;
    std::map<std::string, room_state, std::less<>> rooms_;
    std::optional<std::uint32_t> interval_ms_;
    std::optional<steady_clock::time_point> last_arrival_;
    bool silent_ = false;
    bool shutdown_seen_ = false;
    std::uint64_t missed_ = 0;
    std::uint64_t restarts_ = 0;
    std::uint64_t alerts_ = 0;
    std::uint64_t undecodable_ = 0;
};

} // namespace zchat::tap
