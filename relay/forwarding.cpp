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

namespace {

// The identities before the body, each after its length: one string per path, however many hops.
void encode_path(std::span<const std::string_view> identities, std::string& path) {
    path.clear();
    for (const std::string_view id : identities) {
        path += static_cast<char>(id.size());
        path += id;
    }
}

} // namespace

void session_watch::welcomed(std::string path, std::chrono::milliseconds silence_allowed,
                             time_point now) {
    sessions_.insert_or_assign(std::move(path), session{silence_allowed, now + silence_allowed});
}

void session_watch::heard(std::string_view path, time_point now) {
    const auto it = sessions_.find(path);
    if (it != sessions_.end())
        it->second.deadline = now + it->second.silence_allowed;
}

void session_watch::left(std::string_view path) {
    const auto it = sessions_.find(path);
    if (it != sessions_.end())
        sessions_.erase(it);
}

std::uint32_t session_watch::count(time_point now) {
    std::erase_if(sessions_, [now](const auto& s) { return s.second.deadline <= now; });
    return static_cast<std::uint32_t>(sessions_.size());
}

forwarding::forwarding(double answers_per_second)
    : answers_(answers_per_second, answers_per_second) {}

verdict forwarding::from_below(std::span<const std::string_view> frames, time_point now,
                               proto::carrier from) {
    const proto::envelope_split split = proto::split_envelope(frames, from, proto::max_hops - 1);
    if (split.accepted && !split.refusal) {
        encode_path(frames.first(split.identities), path_);
        if (proto::word_of(frames[split.body]) == "BYE")
            sessions_.left(path_);
        else
            sessions_.heard(path_, now);
        return from == proto::carrier::client ? verdict::forward_with_key : verdict::forward;
    }
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
    return answer(std::move(refused), split.identities, now);
}

verdict forwarding::from_unlisted_key(std::span<const std::string_view> frames, time_point now) {
    if (frames.empty()) {
        ++totals_.dropped;
        return verdict::drop;
    }
    const proto::envelope_split split =
        proto::split_envelope(frames, proto::carrier::client, proto::max_hops - 1);
    return answer(proto::error{proto::error_code::evicted, 0,
                               "your key was removed from the relay's allowlist"},
                  split.identities, now);
}

verdict forwarding::answer(proto::error refused, std::size_t path, time_point now) {
    if (!answers_.take(now)) {
        ++totals_.dropped;
        return verdict::drop;
    }
    answer_ = proto::encode(proto::reply{std::move(refused)});
    answer_path_ = path;
    ++totals_.answered_here;
    return verdict::answer;
}

verdict forwarding::from_above(std::span<const std::string_view> frames, time_point now) {
    if (frames.size() < 2 || frames.front().empty()) {
        ++totals_.dropped;
        return verdict::drop;
    }
    const std::size_t identities = proto::envelope_length(frames);
    if (identities < frames.size() && proto::word_of(frames[identities]) == "WELCOME") {
        const auto decoded = proto::decode_reply(frames.subspan(identities));
        const auto* r = std::get_if<proto::reply>(&decoded);
        if (const auto* w = r ? std::get_if<proto::welcome>(r) : nullptr) {
            encode_path(frames.first(identities), path_);
            sessions_.welcomed(path_, std::chrono::milliseconds(w->heartbeat_ms) * w->liveness,
                               now);
        }
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
