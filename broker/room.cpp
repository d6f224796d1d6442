#include "broker/room.hpp"

#include "proto/validate.hpp"

#include <algorithm>
#include <cassert>

namespace zchat::broker {

room::room(std::string name, std::uint64_t epoch, std::uint64_t generation)
    : name_(std::move(name)), epoch_(epoch), seq_(generation << proto::room_generation_shift),
      roster_version_(seq_) {}

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
                      proto::line_kind kind) {
    assert(has(id));
    return proto::line{epoch_, ++seq_,     name_,           members_.at(id),
                       id,     message_id, std::move(text), kind};
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
