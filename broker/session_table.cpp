#include "broker/session_table.hpp"

#include "proto/validate.hpp"

#include <algorithm>
#include <cassert>

namespace zchat::broker {

session& session_table::add(std::string peer, std::string name, std::uint64_t id,
                            const proto::session_secret& secret, time_point now) {
    assert(!name_taken(name) && !find_by_peer(peer));
    by_peer_.emplace(peer, id);
    by_name_.emplace(proto::fold_name(name), id);
    probing_.insert(id);
    session& s = by_id_[id];
    s = session{};
    s.id = id;
    s.name = std::move(name);
    s.peer = std::move(peer);
    s.secret = secret;
    s.probing_since = now;
    s.next_probe = now;
    return s;
}

void session_table::remove(std::uint64_t id) {
    const auto it = by_id_.find(id);
    assert(it != by_id_.end());
    const session& s = it->second;
    by_peer_.erase(s.peer);
    by_name_.erase(proto::fold_name(s.name));
    probing_.erase(id);
    by_id_.erase(it);
}

void session_table::mark_joined(session& s) {
    assert(!s.joined);
    s.joined = true;
    probing_.erase(s.id);
}

void session_table::move_to(session& s, std::string peer, time_point now) {
    assert(!find_by_peer(peer));
    by_peer_.erase(s.peer);
    by_peer_.emplace(peer, s.id);
    s.peer = std::move(peer);
    s.probing_since = now;
    s.next_probe = now;
    probing_.insert(s.id);
}

void session_table::confirm(session& s) {
    assert(s.joined);
    probing_.erase(s.id);
}

session* session_table::find_by_id(std::uint64_t id) {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
}

session* session_table::find_by_peer(std::string_view peer) {
    const auto it = by_peer_.find(peer);
    return it == by_peer_.end() ? nullptr : &by_id_.at(it->second);
}

session* session_table::find_by_name(std::string_view name) {
    const auto it = by_name_.find(proto::fold_name(name));
    return it == by_name_.end() ? nullptr : &by_id_.at(it->second);
}

bool session_table::name_taken(std::string_view name) const {
    return by_name_.find(proto::fold_name(name)) != by_name_.end();
}

std::vector<std::uint64_t> session_table::ids() const {
    std::vector<std::uint64_t> all;
    all.reserve(by_id_.size());
    for (const auto& [id, s] : by_id_)
        all.push_back(id);
    std::sort(all.begin(), all.end());
    return all;
}

} // namespace zchat::broker
