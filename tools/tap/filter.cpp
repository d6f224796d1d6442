#include "tools/tap/filter.hpp"

#include "proto/codec.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace zchat::tap {

namespace {

bool any_prefix_of(const std::vector<std::string>& prefixes, std::string_view topic) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](const std::string& p) { return topic.starts_with(p); });
}

} // namespace

std::string topic_prefix(std::string_view argument) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> shorthands{{
        {"chat", proto::topic::chat},
        {"presence", proto::topic::presence},
        {"sys", proto::topic::system},
        {"probe", proto::topic::probe},
        {"heartbeat", proto::topic::heartbeat},
        {"stats", proto::topic::stats},
        {"relay", proto::topic::relay},
        {"shutdown", proto::topic::shutdown},
        {"line", proto::topic::chat},
        {"join", proto::topic::presence},
        {"leave", proto::topic::presence},
    }};
    for (const auto& [word, prefix] : shorthands)
        if (argument == word)
            return std::string{prefix};
    return std::string{argument};
}

filter::filter(const std::vector<std::string>& topics, const std::vector<std::string>& excludes,
               bool hide_heartbeats) {
    for (const auto& t : topics)
        topics_.push_back(topic_prefix(t));
    if (topics_.empty())
        topics_.emplace_back();
    for (const auto& e : excludes)
        excludes_.push_back(topic_prefix(e));
    if (hide_heartbeats)
        excludes_.emplace_back(proto::topic::heartbeat);
}

std::vector<std::string> filter::subscriptions() const {
    std::vector<std::string> all = topics_;
    all.emplace_back(proto::topic::heartbeat);
    // Shortest first, so a prefix covered by an earlier one is dropped.
    std::sort(all.begin(), all.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    std::vector<std::string> kept;
    for (const auto& s : all)
        if (!any_prefix_of(kept, s))
            kept.push_back(s);
    return kept;
}

bool filter::shows(std::string_view topic) const {
    return any_prefix_of(topics_, topic) && !any_prefix_of(excludes_, topic);
}

bool filter::receives_all(std::string_view prefix) const {
    return any_prefix_of(topics_, prefix);
}

} // namespace zchat::tap
