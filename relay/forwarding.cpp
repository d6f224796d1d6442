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

// The secret a command carries: the first field of every command but HELLO (PROTOCOL.md,
// section 3); empty if the body is too short to hold one.
std::string_view secret_of(std::string_view body) {
    const std::string_view word = proto::word_of(body);
    const std::size_t at = proto::signature_bytes + 1 + word.size();
    if (word.empty() || word == "HELLO" || body.size() < at + sizeof(proto::session_secret))
        return {};
    return body.substr(at, sizeof(proto::session_secret));
}

void session_watch::welcomed(std::string path, const proto::session_secret& secret,
                             std::chrono::milliseconds silence_allowed, time_point now) {
    if (sessions_.size() >= max_sessions && !sessions_.contains(path)) {
        count(now);
        if (sessions_.size() >= max_sessions)
            return; // the count is a lower bound until some leave
    }
    sessions_.insert_or_assign(std::move(path),
                               session{secret, silence_allowed, now + silence_allowed});
}

void session_watch::heard(std::string_view path, std::string_view secret, time_point now) {
    const auto it = sessions_.find(path);
    if (it != sessions_.end() && secret.size() == it->second.secret.size() &&
        std::equal(secret.begin(), secret.end(), it->second.secret.begin(),
                   [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; }))
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
            sessions_.heard(path_, secret_of(frames[split.body]), now);
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
    const std::string_view word =
        identities < frames.size() ? proto::word_of(frames[identities]) : std::string_view{};
    if (word != "WELCOME" && word != "ERROR")
        return verdict::forward;
    const auto decoded = proto::decode_reply(frames.subspan(identities));
    const auto* r = std::get_if<proto::reply>(&decoded);
    encode_path(frames.first(identities), path_);
    if (const auto* w = r ? std::get_if<proto::welcome>(r) : nullptr) {
        sessions_.welcomed(path_, w->secret,
                           std::chrono::milliseconds(w->heartbeat_ms) * w->liveness, now);
    } else if (const auto* e = r ? std::get_if<proto::error>(r) : nullptr) {
        // The errors after which the path holds no session (PROTOCOL.md, section 10).
        using enum proto::error_code;
        if (e->code == session_replaced || e->code == evicted)
            sessions_.left(path_);
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
