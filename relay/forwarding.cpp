#include "relay/forwarding.hpp"

#include "proto/envelope.hpp"

#include <zmq.h>

#include <variant>

namespace zchat::relay {

void connection_count::note(std::uint16_t event) {
    if (event == ZMQ_EVENT_ACCEPTED)
        ++count_;
    else if (event == ZMQ_EVENT_DISCONNECTED && count_ > 0)
        --count_;
}

forwarding::forwarding(double answers_per_second)
    : answers_(answers_per_second, answers_per_second) {}

verdict forwarding::from_below(std::span<const std::string_view> frames, time_point now,
                               proto::carrier from) {
    const proto::envelope_split split = proto::split_envelope(frames, from, proto::max_hops - 1);
    if (split.accepted && !split.refusal)
        return from == proto::carrier::client ? verdict::forward_with_key : verdict::forward;
    proto::error refused{proto::error_code::malformed, 0, split.refusal ? split.refusal : ""};
    if (!split.accepted) {
        // What the broker would answer a client connected to it directly: its decoding of the
        // frames after the sender's identity (section 9 of PROTOCOL.md refuses every such
        // message).
        const auto decoded = proto::decode_command(frames.subspan(frames.empty() ? 0 : 1));
        const auto* bad = std::get_if<proto::decode_error>(&decoded);
        if (frames.empty() || !bad) {
            ++totals_.dropped;
            return verdict::drop;
        }
        refused.code = bad->code;
        refused.reason = bad->reason;
    }
    if (!answers_.take(now)) {
        ++totals_.dropped;
        return verdict::drop;
    }
    answer_ = proto::encode(proto::reply{refused});
    ++totals_.answered_here;
    return verdict::answer;
}

verdict forwarding::from_above(std::span<const std::string_view> frames) {
    if (frames.size() < 2 || frames.front().empty()) {
        ++totals_.dropped;
        return verdict::drop;
    }
    return verdict::forward;
}

void forwarding::carried(direction way, bool sent) {
    if (!sent)
        ++totals_.dropped;
    else if (way == direction::up)
        ++totals_.commands_up;
    else
        ++totals_.replies_down;
}

} // namespace zchat::relay
