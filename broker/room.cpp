#include "broker/room.hpp"

#include "proto/codec.hpp"
#include "proto/validate.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <limits>

namespace zchat::broker {

room::room(std::string name, std::uint64_t epoch, std::uint64_t generation, history_limits keep)
    : name_(std::move(name)), epoch_(epoch), seq_(generation << proto::room_generation_shift),
      roster_version_(seq_), limits_(keep) {}

proto::joined room::enter(std::uint64_t id, const std::string& member_name) {
    [[maybe_unused]] const bool added = members_.emplace(id, member_name).second;
    assert(added);
    return proto::joined{
        epoch_, ++roster_version_, name_, member_name, id, static_cast<std::uint32_t>(size()),
        seq_};
}

proto::left room::leave(std::uint64_t id, proto::leave_reason reason) {
    const auto it = members_.find(id);
    assert(it != members_.end());
    std::string member_name = std::move(it->second);
    members_.erase(it);
    return proto::left{epoch_, ++roster_version_,
                       name_,  std::move(member_name),
                       id,     static_cast<std::uint32_t>(size()),
                       reason};
}

proto::line room::say(std::uint64_t id, std::uint64_t message_id, std::string text,
                      proto::line_kind kind, time_point now) {
    assert(has(id));
    proto::line line{epoch_, ++seq_, name_, members_.at(id), id, message_id, std::move(text), kind};
    proto::history_line kept{line.seq, 0, line.sender, id, message_id, kind, line.text};
    const std::size_t bytes = proto::history_line_bytes(kept);
    if (limits_.lines > 0 && bytes <= limits_.bytes) {
        kept_.push_back({now, std::move(kept)});
        kept_bytes_ += bytes;
        trim();
    } else {
        // A line the history cannot hold ends it: what is kept must run without a hole up to
        // the latest line.
        kept_.clear();
        kept_bytes_ = 0;
    }
    return line;
}

std::vector<proto::history_line> room::history(std::uint64_t first, std::uint64_t last,
                                               time_point now) const {
    std::vector<proto::history_line> lines;
    if (kept_.empty() || first > last)
        return lines;
    const std::uint64_t oldest = kept_.front().line.seq;
    const std::uint64_t from = std::max(first, oldest);
    const std::uint64_t to = std::min(last, seq_);
    if (from > to)
        return lines;
    lines.reserve(static_cast<std::size_t>(to - from + 1));
    for (auto it = kept_.begin() + static_cast<std::ptrdiff_t>(from - oldest);
         it != kept_.end() && it->line.seq <= to; ++it) {
        proto::history_line& line = lines.emplace_back(it->line);
        const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - it->at);
        line.age_ms = static_cast<std::uint32_t>(
            std::clamp<std::int64_t>(age.count(), 0, std::numeric_limits<std::uint32_t>::max()));
    }
    return lines;
}

void room::keep(history_limits limits) {
    limits_ = limits;
    trim();
}

void room::trim() {
    while (!kept_.empty() && (kept_.size() > limits_.lines || kept_bytes_ > limits_.bytes)) {
        kept_bytes_ -= proto::history_line_bytes(kept_.front().line);
        kept_.pop_front();
    }
}

std::vector<std::string> room::names() const {
    std::vector<std::string> names;
    names.reserve(members_.size());
    for (const auto& [id, name] : members_)
        names.push_back(name);
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return proto::fold_name(a) < proto::fold_name(b);
    });
    return names;
}

} // namespace zchat::broker
